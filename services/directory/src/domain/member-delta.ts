import type { Knex } from 'knex';
import { updateDepartmentRow, type MembersEventWrite } from '../store/departments.js';
import { appendMembersEvent } from '../store/event-members.js';
import { addMemberships, memberPks, removeMemberships } from '../store/memberships.js';
import type { DbDepartmentRow } from '../store/rows.js';
import { userIdsByPks, userPksByIds } from '../store/users.js';
import type { CallContext } from './context.js';
import { InvalidArgumentError } from './errors.js';
import { membersChangeWrite } from './event-log.js';
import { MAX_KEY_LENGTH } from './validation.js';

/** The most user ids one membership change may name. */
export const MAX_MEMBER_IDS = 100_000;

export interface MemberDelta {
  /** When present, the pushed set becomes replace ∪ add − remove. */
  replace?: readonly string[];
  add: readonly string[];
  remove: readonly string[];
}

export interface DeltaResult {
  department: DbDepartmentRow;
  added: number;
  removed: number;
  skipped: string[];
}

/**
 * Applies a pushed-member delta inside the caller's transaction, with its events. With
 * `bumpVersion` false the caller writes the department's new version itself (once, for a
 * request that also changes its fields).
 */
export async function applyDelta(
  trx: Knex.Transaction,
  ctx: CallContext,
  department: DbDepartmentRow,
  delta: MemberDelta,
  at: string,
  bumpVersion: boolean,
): Promise<DeltaResult> {
  const removeSet = new Set(delta.remove);
  if (delta.add.some((id) => removeSet.has(id))) {
    throw new InvalidArgumentError('INVALID_VALUE', 'a user id cannot be both added and removed');
  }
  const named = [...new Set([...(delta.replace ?? []), ...delta.add, ...delta.remove])];
  if (named.length > MAX_MEMBER_IDS) {
    throw new InvalidArgumentError('TOO_MANY', `at most ${MAX_MEMBER_IDS} member ids in one change`);
  }
  // An id of a user that does not exist is skipped and logged (DESIGN §3), but one longer
  // than any key is not an id at all: refused, rather than copied into the log.
  if (named.some((id) => id.length > MAX_KEY_LENGTH)) {
    throw new InvalidArgumentError(
      'INVALID_VALUE',
      `members: a value longer than ${MAX_KEY_LENGTH} characters is not a user id`,
    );
  }
  const pks = await userPksByIds(trx, ctx.tenantId, named);
  const skipped = named.filter((id) => !pks.has(id));
  const pkOf = (ids: Iterable<string>) => [...ids].flatMap((id) => (pks.has(id) ? [pks.get(id)!] : []));
  let toAdd: number[];
  let toRemove: number[];
  if (delta.replace) {
    const target = new Set(pkOf([...delta.replace, ...delta.add].filter((id) => !removeSet.has(id))));
    const current = await memberPks(trx, department.pk, 'pushed');
    toRemove = current.filter((pk) => !target.has(pk));
    const currentSet = new Set(current);
    toAdd = [...target].filter((pk) => !currentSet.has(pk));
  } else {
    toAdd = pkOf(delta.add);
    toRemove = pkOf(delta.remove);
  }
  const added = await addMemberships(trx, department.pk, toAdd, 'pushed');
  const removed = await removeMemberships(trx, department.pk, toRemove, 'pushed');
  let members: MembersEventWrite | undefined;
  if (added.length + removed.length + skipped.length > 0) {
    const idOf = new Map([...pks].map(([id, pk]) => [pk, id]));
    // A replace removes members the request did not name: their ids are read, so the log names them.
    const unnamed = [...added, ...removed].filter((pk) => !idOf.has(pk));
    for (const [pk, id] of await userIdsByPks(trx, unnamed)) idOf.set(pk, id);
    const ids = (list: number[]) => list.map((pk) => idOf.get(pk)!);
    const change = { source: 'pushed' as const, added: ids(added), removed: ids(removed), skipped };
    members = membersChangeWrite(ctx, department, change, at);
  }
  // The new version and the event of the change (one statement on PostgreSQL).
  let row = department;
  if (bumpVersion && added.length + removed.length > 0)
    row = await updateDepartmentRow(trx, department, {}, at, members);
  else if (members) await appendMembersEvent(trx, members.event, members.memberIds);
  return { department: row, added: added.length, removed: removed.length, skipped };
}
