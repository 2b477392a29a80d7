import type { Knex } from 'knex';
import { eventsNamingMember } from '../store/event-members.js';
import { rowToEvent } from '../store/events.js';
import { findTenantRow } from '../store/tenants.js';
import { read } from '../store/transaction.js';
import { membershipsOf, rowToUser } from '../store/users.js';
import type { CallContext, Deps } from './context.js';
import { NotFoundError } from './errors.js';
import { findingsOf } from './user-findings.js';
import type {
  DirectoryEvent,
  ExplainedMembership,
  SkippedMembership,
  User,
  UserExplanation,
} from './types.js';
import { askedUser, resolveSubject, subjectEvents, type UserSubject } from './user-history.js';

/** How deep each part looks: the latest this many of its kind. */
const MEMBERSHIP_EVENTS = 200;
const SKIPPED = 20;
const REJECTIONS = 10;
const HISTORY = 50;

const idsIn = (event: DirectoryEvent, key: 'added' | 'removed' | 'skipped'): string[] => {
  const list = event.after?.[key];
  return Array.isArray(list) ? list.filter((id): id is string => typeof id === 'string') : [];
};

/** For each membership, the latest change that added the user to it with that source. */
async function explainMemberships(db: Knex, tenantId: string, user: User): Promise<ExplainedMembership[]> {
  if (user.memberships.length === 0) return [];
  const changes = (
    await eventsNamingMember(
      db,
      tenantId,
      user.id,
      { kinds: ['department.members_changed'] },
      MEMBERSHIP_EVENTS,
    )
  ).map(rowToEvent);
  return user.memberships.map((m) => ({
    ...m,
    since: changes.find(
      (e) =>
        e.resourceId === m.departmentId &&
        e.after?.source === m.source &&
        idsIn(e, 'added').includes(user.id),
    ),
  }));
}

/** The latest membership changes that skipped one of the subject's ids. */
async function skippedChanges(
  db: Knex,
  tenantId: string,
  subject: UserSubject,
  user: User | undefined,
): Promise<SkippedMembership[]> {
  const found = await Promise.all(
    [...subject.memberIds].map(async ([memberId, idKind]) =>
      (
        await eventsNamingMember(
          db,
          tenantId,
          memberId,
          { kinds: ['department.members_changed'], problemsOnly: true },
          SKIPPED,
        )
      )
        .map(rowToEvent)
        .filter((event) => idsIn(event, 'skipped').includes(memberId))
        .map((event) => ({
          event,
          departmentId: event.resourceId,
          departmentName: event.resourceName,
          memberId,
          idKind,
          beforeCreated: Boolean(user && event.occurredAt < user.createdAt),
          memberNow: Boolean(
            user?.memberships.some((m) => m.departmentId === event.resourceId && m.source === 'pushed'),
          ),
        })),
    ),
  );
  return found
    .flat()
    .sort((a, b) => b.event.sequence - a.event.sequence)
    .slice(0, SKIPPED);
}

/**
 * Explains a user (by id or userName) from the directory's state and its log, every part read
 * by index: the user and their memberships, the change that made each membership, the changes
 * that skipped one of their ids, the latest rejected requests naming them, and their history.
 */
export async function explainUser(deps: Deps, ctx: CallContext, query: string): Promise<UserExplanation> {
  const asked = askedUser(query);
  return read(deps.db, async (db) => {
    if (!(await findTenantRow(db, ctx.tenantId))) throw new NotFoundError('no such tenant');
    const subject = await resolveSubject(db, ctx.tenantId, asked);
    const user = subject.row
      ? rowToUser(subject.row, (await membershipsOf(db, [subject.row.pk])).get(subject.row.pk))
      : undefined;
    const [memberships, skipped, rejections, latest] = await Promise.all([
      user ? explainMemberships(db, ctx.tenantId, user) : [],
      skippedChanges(db, ctx.tenantId, subject, user),
      subjectEvents(db, ctx.tenantId, subject, { kinds: ['request.rejected'] }, REJECTIONS),
      subjectEvents(db, ctx.tenantId, subject, {}, HISTORY),
    ]);
    const explanation = {
      query: asked,
      user,
      formerAccounts: subject.former,
      memberships,
      skipped,
      rejections,
      history: latest.reverse(),
    };
    return { ...explanation, findings: findingsOf(explanation) };
  });
}
