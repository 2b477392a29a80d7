import type { Knex } from 'knex';
import {
  eventsNamingMember,
  eventsOfUserId,
  eventsOfUserName,
  findUserRowByUserName,
  type EventFilter,
} from '../store/event-members.js';
import { rowToEvent } from '../store/events.js';
import type { DbEventRow, DbUserRow } from '../store/rows.js';
import { findUserRow } from '../store/users.js';
import { InvalidArgumentError } from './errors.js';
import type { DirectoryEvent, FormerAccount, MemberIdKind } from './types.js';
import { MAX_KEY_LENGTH } from './validation.js';

/**
 * Who "the user" of a support question is, in every form the log may name them: a user
 * (or the earlier accounts of a userName) resolved from an id or a userName, with the ids
 * and names under which events were recorded about them.
 */

export interface UserSubject {
  /** The user now, when one of the tenant has that id or userName. */
  row?: DbUserRow;
  /** Earlier accounts of the same userName, deleted since; newest first. */
  former: FormerAccount[];
  /** Ids of user resources that were this person: the current one and the former ones. */
  userIds: string[];
  /** The userNames requests named them by. */
  userNames: string[];
  /** Every id a membership change may have named them by, and what it is to them. */
  memberIds: Map<string, MemberIdKind>;
}

/** At most this many earlier accounts are followed: enough for any real history of one person. */
const MAX_FORMER = 10;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** The earlier accounts of `userName` the log still knows, apart from `currentId`. */
async function formerAccounts(
  db: Knex,
  tenantId: string,
  userName: string,
  currentId: string | undefined,
): Promise<FormerAccount[]> {
  const rows = await eventsOfUserName(
    db,
    tenantId,
    userName,
    { kinds: ['user.created', 'user.deleted'] },
    4 * MAX_FORMER,
  );
  const byId = new Map<string, FormerAccount>();
  for (const event of rows.map(rowToEvent)) {
    if (event.resourceId === currentId || !event.resourceId) continue;
    const account = byId.get(event.resourceId) ?? { id: event.resourceId, userName: event.resourceName };
    const summary = event.kind === 'user.created' ? event.after : event.before;
    account.externalId ??= str(summary?.externalId);
    if (event.kind === 'user.created') account.createdAt = event.occurredAt;
    else account.deletedAt = event.occurredAt;
    byId.set(event.resourceId, account);
  }
  // Earlier accounts are those that no longer exist (one renamed since still exists, and is not).
  const accounts = [...byId.values()].slice(0, MAX_FORMER);
  const gone = await Promise.all(accounts.map(async (a) => !(await findUserRow(db, tenantId, a.id))));
  return accounts.filter((_, i) => gone[i]);
}

/**
 * A support question's "user" as asked: trimmed; INVALID_VALUE when empty, longer than any
 * userName, or holding a control character (which no userName holds, and PostgreSQL text cannot).
 */
export function askedUser(value: string): string {
  const asked = value.trim();
  if (!asked) throw new InvalidArgumentError('INVALID_VALUE', 'user (an id or a userName) is required');
  if (asked.length > MAX_KEY_LENGTH || /\p{Cc}/u.test(asked))
    throw new InvalidArgumentError(
      'INVALID_VALUE',
      `user is an id or a userName: at most ${MAX_KEY_LENGTH} characters, no control characters`,
    );
  return asked;
}

/**
 * Resolves a support question's "user": an id of a user, a userName (case-insensitively), or
 * the id of a deleted account (then the person is whoever holds that account's userName now).
 */
export async function resolveSubject(db: Knex, tenantId: string, query: string): Promise<UserSubject> {
  let row = (await findUserRow(db, tenantId, query)) ?? (await findUserRowByUserName(db, tenantId, query));
  let userName = row?.user_name ?? query;
  if (!row) {
    const [deleted] = await eventsOfUserId(
      db,
      tenantId,
      query,
      { kinds: ['user.created', 'user.deleted'] },
      1,
    );
    if (deleted) {
      userName = deleted.resource_name;
      row = await findUserRowByUserName(db, tenantId, userName);
    }
  }
  const former = await formerAccounts(db, tenantId, userName, row?.id);
  const memberIds = new Map<string, MemberIdKind>();
  if (row) memberIds.set(row.id, 'user_id');
  // An id the log no longer explains (its account's events were pruned) is still searched as an id.
  const asked = !row && !former.some((a) => a.id === query) && query.length <= 64 ? [query] : [];
  for (const id of asked) memberIds.set(id, 'user_id');
  for (const account of former) memberIds.set(account.id, 'former_account');
  const externalIds = [
    str((JSON.parse(row?.profile ?? '{}') as { externalId?: unknown }).externalId),
    ...former.map((a) => a.externalId),
  ];
  for (const id of externalIds) if (id && !memberIds.has(id)) memberIds.set(id, 'external_id');
  return {
    row,
    former,
    userIds: [...(row ? [row.id] : asked), ...former.map((a) => a.id)],
    userNames: [...new Set([userName, ...former.map((a) => a.userName)])],
    memberIds,
  };
}

/**
 * The newest events that touched the subject, newest first: each of its ids' and names' own
 * index range, and each of its member ids' range of membership changes, merged. Each range is
 * read newest first and at most `limit` deep, so the merge's first `limit` are the answer.
 */
export async function subjectEvents(
  db: Knex,
  tenantId: string,
  subject: UserSubject,
  filter: EventFilter,
  limit: number,
): Promise<DirectoryEvent[]> {
  const ranges = await Promise.all([
    ...subject.userIds.map((id) => eventsOfUserId(db, tenantId, id, filter, limit)),
    ...subject.userNames.map((name) => eventsOfUserName(db, tenantId, name, filter, limit)),
    ...[...subject.memberIds.keys()].map((id) => eventsNamingMember(db, tenantId, id, filter, limit)),
  ]);
  const bySeq = new Map<number, DbEventRow>();
  for (const row of ranges.flat()) bySeq.set(Number(row.seq), row);
  return [...bySeq.values()]
    .sort((a, b) => Number(b.seq) - Number(a.seq))
    .slice(0, limit)
    .map(rowToEvent);
}
