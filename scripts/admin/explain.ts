import type { UserExplanation } from '#proto/directory.js';
import { explanationJson, idKindName, sourceName } from './json.js';
import { eventTable } from './log.js';
import { given, print, type Command } from './session.js';
import { iso, table } from './table.js';
import { TENANT } from './tenants.js';

const ID_KIND: Record<string, string> = {
  user_id: 'their id',
  external_id: 'their externalId',
  former_account: 'an earlier account',
  unspecified: '',
};

/** The explanation as text: the findings, then the evidence, section by section. */
export function explanationText(x: UserExplanation): string {
  const sections: string[] = [x.findings.map((f) => `* ${f}`).join('\n')];
  const section = (title: string, body: string) => sections.push(`${title}\n${body}`);
  if (x.user)
    section(
      'User',
      table(
        ['ID', 'USERNAME', 'EXTERNAL ID', 'ACTIVE', 'DEPARTMENT ATTRIBUTE', 'CREATED'],
        [
          [
            x.user.id,
            x.user.userName,
            x.user.externalId ?? '',
            String(x.user.active),
            x.user.enterprise?.department ?? '',
            iso(x.user.createdAt),
          ],
        ],
      ),
    );
  if (x.formerAccounts.length)
    section(
      'Earlier accounts of this userName (deleted)',
      table(
        ['ID', 'USERNAME', 'CREATED', 'DELETED'],
        x.formerAccounts.map((a) => [a.id, a.userName, iso(a.createdAt), iso(a.deletedAt)]),
      ),
    );
  if (x.memberships.length)
    section(
      'Departments',
      table(
        ['DEPARTMENT', 'SOURCE', 'SINCE', 'SEQ', 'BY'],
        x.memberships.map((m) => [
          m.departmentName,
          sourceName(m.source),
          iso(m.since?.occurredAt),
          m.since ? String(m.since.sequence) : '',
          m.since?.actor ?? '',
        ]),
      ),
    );
  if (x.skipped.length)
    section(
      'Membership changes that skipped them (newest first)',
      table(
        ['TIME', 'SEQ', 'DEPARTMENT', 'ID SENT', 'WHICH IS', 'BEFORE CREATED', 'MEMBER NOW'],
        x.skipped.map((s) => [
          iso(s.event?.occurredAt),
          String(s.event?.sequence ?? ''),
          s.departmentName,
          s.memberId,
          ID_KIND[idKindName(s.idKind)] ?? '',
          s.beforeCreated ? 'yes' : 'no',
          s.memberNow ? 'yes' : 'no',
        ]),
      ),
    );
  if (x.rejections.length)
    section(
      'Rejected requests about them (newest first)',
      table(
        ['TIME', 'SEQ', 'REQUEST', 'STATUS', 'REASON'],
        x.rejections.map((e) => [
          iso(e.occurredAt),
          String(e.sequence),
          String(e.after?.operation ?? ''),
          String(e.after?.status ?? ''),
          e.reason,
        ]),
      ),
    );
  if (x.history.length) section('History (oldest first)', eventTable(x.history));
  return sections.join('\n\n');
}

export const explain: Command = {
  name: 'explain',
  summary: 'Why a user is, or is not, in Wizer and in each department.',
  description:
    'Says whether the user exists and is active, each department they are in and why (their department attribute, or a pushed group), the membership changes that skipped them (a push that named an id no user had at the time: sent before they were provisioned, or the id of a deleted account), the latest rejected requests about them with the reason, and their history in order.',
  options: {
    tenant: TENANT,
    user: {
      type: 'string',
      value: 'ID|USERNAME',
      help: 'the user: their id, or their userName in any case',
      required: true,
    },
  },
  examples: ['explain --tenant 3f2a9c1e-… --user ada@example.com'],
  needsDirectory: true,
  async run(session, args) {
    const x = await session.clients.directory.explainUser({
      tenantId: given(args.tenant),
      user: given(args.user),
    });
    print(session, args.json, explanationJson(x), () => explanationText(x));
  },
};
