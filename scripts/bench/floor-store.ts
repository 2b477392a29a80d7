import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { addMemberships, removeMemberships } from '../../services/directory/src/store/memberships.js';
import { findDepartmentRow } from '../../services/directory/src/store/departments.js';
import * as users from '../../services/directory/src/store/users.js';
import type { Query, UserProfile } from '../../services/directory/src/domain/types.js';
import { writeTransaction } from '../../services/directory/src/store/transaction.js';
import { newResourceId } from '../../services/directory/src/domain/resource-ids.js';
import { pick } from './scenarios.js';
import { benchProfile } from './seed.js';
import { timeSequential, type LoadResult } from './load.js';

/** Floor (a): the store operation behind each request, called in-process, one at a time. */
export async function storeFloors(
  url: string,
  lookup: { tenantId: string; ids: string[]; names: string[] },
  groups: { tenantId: string; ids: string[]; group1000: string },
  /** Fraction of the usual operation counts (PostgreSQL's round trips make each one slower). */
  share = 1,
): Promise<Record<string, LoadResult>> {
  const n = (count: number) => Math.max(20, Math.round(count * share));
  const db = await openDatabase(url);
  const k = db.knex;
  const q = (filterName?: string, offset = 0): Query => ({
    filter: filterName ? { field: 'user_name', op: 'eq', value: filterName } : undefined,
    offset,
    limit: 100,
    descending: false,
    skipTotal: false,
  });
  const now = () => new Date().toISOString();
  const out: Record<string, LoadResult> = {};
  try {
    out.lookup = await timeSequential(
      () => users.queryUserRows(k, lookup.tenantId, q(pick(lookup.names))),
      n(2000),
    );
    // Writes through the store's own transactions (writeTransaction: the tenant's lock, and on
    // SQLite its BEGIN IMMEDIATE without knex.transaction), as the directory makes them.
    out.create = await timeSequential(
      (i) =>
        writeTransaction(db, lookup.tenantId, async (trx) => {
          const p = benchProfile(`floor${i}-${randomUUID()}@bench.example`, i);
          const row = await users.insertUser(trx, {
            tenantId: lookup.tenantId,
            id: newResourceId(),
            profile: p,
            now: now(),
          });
          await users.insertEmails(trx, lookup.tenantId, row.pk, p);
        }),
      n(1000),
    );
    out.get = await timeSequential(async () => {
      const row = await users.findUserRow(k, lookup.tenantId, pick(lookup.ids));
      await users.membershipsOf(k, [row!.pk]);
    }, n(2000));
    const write = (i: number) =>
      writeTransaction(db, lookup.tenantId, async (trx) => {
        const row = (await users.findUserRow(trx, lookup.tenantId, pick(lookup.ids)))!;
        const p = { ...benchProfile(row.user_name, i), title: `t${i}` };
        const before = JSON.parse(row.profile) as UserProfile;
        await users.updateUserRow(trx, row.pk, p, Number(row.version) + 1, now(), before);
      });
    out.put = await timeSequential(write, n(1000));
    out.deactivate = await timeSequential(write, n(1000));
    out.firstPage = await timeSequential(
      () => users.queryUserRows(k, lookup.tenantId, q(undefined, 0)),
      n(300),
    );
    out.deepPage = await timeSequential(
      () => users.queryUserRows(k, lookup.tenantId, q(undefined, lookup.ids.length - 100)),
      n(300),
    );
    const department = (await findDepartmentRow(k, groups.tenantId, groups.group1000))!;
    out.memberAdd1000 = await timeSequential(async (i) => {
      const pk = (await users.userPksByIds(k, groups.tenantId, [groups.ids[2000 + i]!])).get(
        groups.ids[2000 + i]!,
      )!;
      await writeTransaction(db, groups.tenantId, async (trx) => {
        await addMemberships(trx, department.pk, [pk], 'pushed');
        await removeMemberships(trx, department.pk, [pk], 'pushed');
      });
    }, n(500));
  } finally {
    await db.close();
  }
  return out;
}
