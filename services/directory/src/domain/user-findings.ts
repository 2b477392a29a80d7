import type { DirectoryEvent, SkippedMembership, UserExplanation } from './types.js';

/**
 * The explanation of a user in sentences a support engineer can act on, most telling first:
 * does the user exist, are they active, where are they and why, which pushes skipped them,
 * which requests about them were refused.
 */

/** Skipped changes and rejections spelled out; the rest are in the explanation's lists. */
const SPELLED_OUT = 5;

const at = (date: Date | undefined) =>
  date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : 'an unknown time';

const by = (event: DirectoryEvent | undefined) => (event ? ` by ${event.actor}` : '');

function rejection(event: DirectoryEvent): string {
  const operation = typeof event.after?.operation === 'string' ? event.after.operation : 'a request';
  const status = typeof event.after?.status === 'number' ? ` (${event.after.status})` : '';
  return `${at(event.occurredAt)} ${operation} was refused${status}: ${event.reason}`;
}

function skippedSentence(s: SkippedMembership, x: Omit<UserExplanation, 'findings'>): string {
  const change = `${at(s.event.occurredAt)} a membership change of "${s.departmentName}" (${s.event.actor})`;
  const created = x.user ? `; they were created only at ${at(x.user.createdAt)}` : '';
  let what: string;
  switch (s.idKind) {
    case 'external_id':
      what =
        `${change} named ${s.memberId}, their externalId (the client's own id for them) rather than ` +
        `their directory id, and skipped it${s.beforeCreated ? created : ''}.`;
      break;
    case 'former_account': {
      const account = x.formerAccounts.find((a) => a.id === s.memberId);
      const deleted = account?.deletedAt ? ` deleted at ${at(account.deletedAt)}` : ', deleted since';
      what = `${change} named ${s.memberId}, the id of their earlier account${deleted}, and skipped it: the client still held that id.`;
      break;
    }
    case 'user_id':
      what = x.user
        ? `${change} named their id ${s.memberId} before they existed${created}, and skipped it.`
        : `${change} named ${s.memberId}, which no user of the tenant had, and skipped it.`;
      break;
  }
  if (!x.user) return what;
  return s.memberNow
    ? `${what} A later change added them: they are a pushed member of "${s.departmentName}" now.`
    : `${what} They are not a pushed member of "${s.departmentName}": push the group again ` +
        `(Okta: Push Groups → Push Now) so that it names their id ${x.user.id}.`;
}

function userFindings(x: Omit<UserExplanation, 'findings'>): string[] {
  const user = x.user!;
  const mine = (kind: string) => x.history.filter((e) => e.kind === kind && e.resourceId === user.id).at(-1);
  const out = [
    `${user.userName} exists (id ${user.id}), created at ${at(user.createdAt)}${by(mine('user.created'))}.`,
  ];
  if (!user.active) {
    const deactivated = mine('user.deactivated');
    out.push(
      `They are deactivated${deactivated ? ` since ${at(deactivated.occurredAt)}${by(deactivated)}` : ''}: ` +
        'the directory keeps them, but Wizer treats them as gone until the client sets active=true.',
    );
  } else out.push('They are active.');
  if (x.memberships.length === 0) out.push('They are in no department.');
  for (const m of x.memberships) {
    const since = m.since
      ? ` since ${at(m.since.occurredAt)}${by(m.since)}`
      : ' (since before the oldest entry of the log)';
    out.push(
      m.source === 'attribute'
        ? `In "${m.departmentName}" by attribute: their department attribute names it${since}.`
        : `In "${m.departmentName}" as a pushed member of that group${since}.`,
    );
  }
  if (!x.memberships.some((m) => m.source === 'attribute'))
    out.push('Their department attribute is empty, so no department holds them by attribute.');
  return out;
}

function absentFindings(x: Omit<UserExplanation, 'findings'>): string[] {
  const [latest] = x.formerAccounts;
  if (latest) {
    const deleted = x.history.find((e) => e.kind === 'user.deleted' && e.resourceId === latest.id);
    return [
      `No user ${latest.userName} exists now: their account ${latest.id} was deleted` +
        `${latest.deletedAt ? ` at ${at(latest.deletedAt)}` : ''}${by(deleted)}. ` +
        'The provisioning client brings them back only by creating them again (a new id).',
    ];
  }
  if (x.rejections.length || x.skipped.length || x.history.length)
    return [`No user ${x.query} exists in this tenant.`];
  return [
    `No user ${x.query} exists, and the log holds no request about them: the provisioning client ` +
      'has not sent them. In Okta, only users assigned to the SCIM app (directly or through a group) ' +
      'are provisioned.',
  ];
}

export function findingsOf(x: Omit<UserExplanation, 'findings'>): string[] {
  const out = x.user ? userFindings(x) : absentFindings(x);
  for (const s of x.skipped.slice(0, SPELLED_OUT)) out.push(skippedSentence(s, x));
  if (x.skipped.length > SPELLED_OUT)
    out.push(`${x.skipped.length - SPELLED_OUT} more skipped change(s) are listed below.`);
  const [latest, ...older] = x.rejections;
  if (latest) {
    const more = older.length ? ` (${older.length} earlier rejection(s) listed below)` : '';
    out.push(`The latest request about them that was refused: ${rejection(latest)}${more}.`);
  }
  return out;
}
