import type { Event } from '#proto/event.js';
import { EVENT_KINDS } from '../../services/directory/src/domain/event-kinds.js';
import { eventJson, outcomeName } from './json.js';
import { given, print, type Command } from './session.js';
import { iso, table } from './table.js';
import { TENANT } from './tenants.js';
import { listOf, parseCount, parseTime } from './values.js';

const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);

/** What a log line says beyond its kind: the member counts of a membership change, a user's state. */
export function summary(e: Event): string {
  const after = e.after ?? {};
  if (e.kind === 'department.members_changed') {
    // Skipped ids are in the warning's reason.
    const who = typeof after.userName === 'string' ? ` (${after.userName})` : '';
    return `${String(after.source)} members +${count(after.added)} -${count(after.removed)}${who}`;
  }
  if (e.kind.startsWith('user.') && after.userName)
    return `active=${String(after.active)}${after.department ? ` department=${String(after.department)}` : ''}`;
  return '';
}

/** The log's columns, for `log` and `explain`. */
export function eventTable(events: Event[]): string {
  return table(
    ['TIME', 'SEQ', 'KIND', 'OUTCOME', 'RESOURCE', 'ACTOR', 'DETAIL'],
    events.map((e) => [
      iso(e.occurredAt),
      String(e.sequence),
      e.kind,
      outcomeName(e.outcome) === 'ok' ? 'ok' : outcomeName(e.outcome).toUpperCase(),
      e.resourceName || e.resourceId,
      e.actor,
      [summary(e), e.reason].filter(Boolean).join('; '),
    ]),
  );
}

export const log: Command = {
  name: 'log',
  summary: 'A tenant’s provisioning log, newest first: every change, every rejected request with its reason.',
  description:
    'With --user, everything that touched that user: their changes, the membership changes that added, removed or skipped them, and the requests about them that were refused. The first place to look when a user or department does not show up; for one user, explain says why.',
  options: {
    tenant: TENANT,
    user: {
      type: 'string',
      value: 'ID|USERNAME',
      help: 'only what touched this user (their id, or their userName in any case)',
    },
    kind: {
      type: 'string',
      value: 'KIND[,KIND]',
      help: 'only these kinds',
      choices: EVENT_KINDS,
      list: true,
    },
    errors: { type: 'boolean', help: 'only rejected requests and warnings' },
    since: {
      type: 'string',
      value: 'WHEN',
      help: 'only events since then: a duration ago (24h, 7d, 30m) or an ISO 8601 date',
    },
    until: {
      type: 'string',
      value: 'WHEN',
      help: 'only events before then: a duration ago or an ISO 8601 date',
    },
    before: {
      type: 'string',
      value: 'SEQ',
      help: 'only events older than this sequence number (the next page)',
    },
    limit: { type: 'string', value: 'N', help: 'at most N events, 1 to 1000 (default 50)' },
  },
  examples: [
    'log --tenant 3f2a9c1e-… --errors',
    'log --tenant 3f2a9c1e-… --user ada@example.com',
    'log --tenant 3f2a9c1e-… --kind department.members_changed --since 24h',
  ],
  needsDirectory: true,
  async run(session, args) {
    const request = {
      tenantId: given(args.tenant),
      resourceId: '',
      resourceName: '',
      user: typeof args.user === 'string' ? args.user : undefined,
      kinds: listOf(args.kind),
      problemsOnly: Boolean(args.errors),
      since: typeof args.since === 'string' ? parseTime('--since', args.since, -1) : undefined,
      until: typeof args.until === 'string' ? parseTime('--until', args.until, -1) : undefined,
      beforeSequence:
        typeof args.before === 'string' ? parseCount('--before', args.before, 1, Number.MAX_SAFE_INTEGER) : 0,
      limit: typeof args.limit === 'string' ? parseCount('--limit', args.limit, 1, 1000) : 50,
    };
    const { events, nextBeforeSequence } = await session.clients.directory.listEvents(request);
    const more = nextBeforeSequence ? `Older events: add --before ${nextBeforeSequence}.` : '';
    print(session, args.json, events.map(eventJson), () =>
      events.length === 0 ? 'No events match.' : [eventTable(events), ...(more ? ['', more] : [])].join('\n'),
    );
    if (args.json && more) session.note(more);
  },
};
