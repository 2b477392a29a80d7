import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { ServiceRole, type ServiceCredential } from '#proto/admin.js';
import { EventOutcome, type Event } from '#proto/event.js';
import type { DirectoryClients } from '../../services/directory/client.js';
import { iso, parseAge, parseWhen, table, UsageError } from './table.js';

export interface Io {
  out(text: string): void;
}

export type Flags = Record<string, string | boolean | undefined>;

function need(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || !value) throw new UsageError(`--${name} is required`);
  return value;
}

const print = (io: Io, flags: Flags, json: unknown, text: () => string) =>
  io.out(flags.json ? JSON.stringify(json, null, 2) : text());

export async function tenantsCreate(c: DirectoryClients, io: Io, flags: Flags) {
  const tenant = await c.admin.createTenant({ name: need(flags, 'name') });
  const { token, info } = await c.admin.issueToken({
    tenantId: tenant.id,
    description: 'first token',
    expiresAt: undefined,
  });
  print(io, flags, { tenantId: tenant.id, name: tenant.name, token, tokenId: info!.id }, () =>
    [
      `Created tenant "${tenant.name}": ${tenant.id}`,
      `SCIM bearer token (shown once, store it now):`,
      ``,
      `  ${token}`,
      ``,
    ].join('\n'),
  );
}

export async function tenantsList(c: DirectoryClients, io: Io, flags: Flags) {
  const { tenants } = await c.admin.listTenants({});
  print(io, flags, tenants, () =>
    table(
      ['ID', 'NAME', 'CREATED', 'STATUS'],
      tenants.map((t) => [t.id, t.name, iso(t.createdAt), t.disabled ? 'disabled' : 'active']),
    ),
  );
}

export async function tenantsDisable(c: DirectoryClients, io: Io, flags: Flags, id: string | undefined) {
  if (!id) throw new UsageError('tenants disable needs the tenant id');
  const tenant = await c.admin.disableTenant({ tenantId: id });
  print(
    io,
    flags,
    tenant,
    () => `Disabled tenant "${tenant.name}" (${tenant.id}): its tokens no longer authenticate.`,
  );
}

export async function tokensIssue(c: DirectoryClients, io: Io, flags: Flags) {
  const expires = typeof flags.expires === 'string' ? parseWhen(flags.expires, '--expires', 1) : undefined;
  const { token, info } = await c.admin.issueToken({
    tenantId: need(flags, 'tenant'),
    description: typeof flags.description === 'string' ? flags.description : '',
    expiresAt: expires,
  });
  print(io, flags, { token, tokenId: info!.id, prefix: info!.prefix, expiresAt: info!.expiresAt }, () =>
    [
      `Token ${info!.id} (${info!.prefix}…)${info!.expiresAt ? `, expires ${iso(info!.expiresAt)}` : ''}; shown once:`,
      '',
      `  ${token}`,
      '',
    ].join('\n'),
  );
}

export async function tokensList(c: DirectoryClients, io: Io, flags: Flags) {
  const { tokens } = await c.admin.listTokens({ tenantId: need(flags, 'tenant') });
  print(io, flags, tokens, () =>
    table(
      ['ID', 'PREFIX', 'CREATED', 'LAST USED', 'EXPIRES', 'REVOKED', 'DESCRIPTION'],
      tokens.map((t) => [
        t.id,
        `${t.prefix}…`,
        iso(t.createdAt),
        iso(t.lastUsedAt),
        iso(t.expiresAt),
        iso(t.revokedAt),
        t.description,
      ]),
    ),
  );
}

export async function tokensRevoke(c: DirectoryClients, io: Io, flags: Flags, id: string | undefined) {
  const tokenId = id ?? need(flags, 'token');
  const token = await c.admin.revokeToken({ tenantId: need(flags, 'tenant'), tokenId });
  print(
    io,
    flags,
    token,
    () => `Revoked token ${token.id} (${token.prefix}…): it stops working within a second.`,
  );
}

const ROLES: Record<string, ServiceRole> = {
  admin: ServiceRole.SERVICE_ROLE_ADMIN,
  gateway: ServiceRole.SERVICE_ROLE_GATEWAY,
  reader: ServiceRole.SERVICE_ROLE_READER,
};
const roleName = (role: ServiceRole) => Object.keys(ROLES).find((name) => ROLES[name] === role) ?? 'unknown';

/** A service credential for the directory: the secret is printed once. */
export async function credentialsIssue(c: DirectoryClients, io: Io, flags: Flags) {
  const role = ROLES[need(flags, 'role')];
  if (role === undefined) throw new UsageError(`--role is one of ${Object.keys(ROLES).join(', ')}`);
  const tenantIds = typeof flags.tenant === 'string' ? flags.tenant.split(',').filter(Boolean) : [];
  const { secret, info } = await c.admin.issueServiceCredential({
    name: need(flags, 'name'),
    role,
    tenantIds,
  });
  print(io, flags, { credentialId: info!.id, name: info!.name, role: roleName(info!.role), secret }, () =>
    [
      `Service credential ${info!.id} "${info!.name}" (${roleName(info!.role)}${
        tenantIds.length ? ` of ${tenantIds.join(', ')}` : ''
      }); shown once, give it to the service as DIRECTORY_CREDENTIAL:`,
      '',
      `  ${secret}`,
      '',
    ].join('\n'),
  );
}

const credentialJson = (k: ServiceCredential) => ({ ...k, role: roleName(k.role) });

export async function credentialsList(c: DirectoryClients, io: Io, flags: Flags) {
  const { credentials } = await c.admin.listServiceCredentials({});
  print(io, flags, credentials.map(credentialJson), () =>
    table(
      ['ID', 'NAME', 'ROLE', 'TENANTS', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'],
      credentials.map((k) => [
        k.id,
        k.name,
        roleName(k.role),
        k.tenantIds.join(',') || 'all',
        `${k.prefix}…`,
        iso(k.createdAt),
        iso(k.lastUsedAt),
        iso(k.revokedAt),
      ]),
    ),
  );
}

export async function credentialsRevoke(c: DirectoryClients, io: Io, flags: Flags) {
  const { info, alreadyRevoked } = await c.admin.revokeServiceCredential({ id: need(flags, 'credential') });
  print(io, flags, { ...credentialJson(info!), alreadyRevoked }, () =>
    alreadyRevoked
      ? `Service credential ${info!.id} "${info!.name}" was already revoked.`
      : `Revoked service credential ${info!.id} "${info!.name}": refused within a second everywhere.`,
  );
}

const OUTCOME: Record<number, string> = {
  [EventOutcome.EVENT_OUTCOME_OK]: 'ok',
  [EventOutcome.EVENT_OUTCOME_WARNING]: 'WARNING',
  [EventOutcome.EVENT_OUTCOME_ERROR]: 'ERROR',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The provisioning log, newest first: the first place support looks. */
export async function log(c: DirectoryClients, io: Io, flags: Flags) {
  const user = typeof flags.user === 'string' ? flags.user : '';
  const limit = typeof flags.limit === 'string' ? Number(flags.limit) : 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit is 1 to 1000');
  const { events } = await c.directory.listEvents({
    tenantId: need(flags, 'tenant'),
    resourceId: UUID.test(user) ? user : '',
    resourceName: UUID.test(user) ? '' : user,
    kinds: typeof flags.kind === 'string' ? flags.kind.split(',') : [],
    problemsOnly: Boolean(flags.errors),
    since: typeof flags.since === 'string' ? parseWhen(flags.since, '--since') : undefined,
    until: typeof flags.until === 'string' ? parseWhen(flags.until, '--until') : undefined,
    beforeSequence: 0,
    limit,
  });
  print(io, flags, events, () =>
    events.length === 0
      ? 'No events match.'
      : table(
          ['TIME', 'SEQ', 'KIND', 'OUTCOME', 'RESOURCE', 'ACTOR', 'DETAIL'],
          events.map((e: Event) => [
            iso(e.occurredAt),
            String(e.sequence),
            e.kind,
            OUTCOME[e.outcome] ?? '',
            e.resourceName || e.resourceId,
            e.actor,
            e.reason || summary(e),
          ]),
        ),
  );
}

function summary(e: Event): string {
  const after = e.after ?? {};
  if (e.kind === 'department.members_changed') {
    const added = (after.added as unknown[] | undefined)?.length ?? 0;
    const removed = (after.removed as unknown[] | undefined)?.length ?? 0;
    return `${after.source} members +${added} -${removed}`;
  }
  if (e.kind.startsWith('user.') && after.userName)
    return `active=${after.active}${after.department ? ` department=${after.department}` : ''}`;
  return '';
}

/** The event retention policy on demand: removes every tenant's events older than --older-than. */
export async function eventsPrune(c: DirectoryClients, io: Io, flags: Flags) {
  const olderThanSeconds = parseAge(need(flags, 'older-than'), '--older-than');
  // A first prune of a large log takes a while: it removes in small batches.
  const { removed, cutoff } = await c.admin.pruneEvents({ olderThanSeconds }, { deadlineMs: 600_000 });
  print(
    io,
    flags,
    { removed, cutoff },
    () => `Removed ${removed} event(s) that occurred before ${iso(cutoff)}.`,
  );
}

/**
 * A consistent copy of the SQLite database while the directory writes to it:
 * VACUUM INTO reads one snapshot (a read transaction in WAL mode), so the copy
 * holds every commit made before it began and none half-made.
 */
export function backup(io: Io, flags: Flags, file: string | undefined, databaseUrl: string) {
  if (!file) throw new UsageError('backup needs the file to write');
  if (!databaseUrl.startsWith('sqlite:'))
    throw new UsageError('backup copies a SQLite database; for PostgreSQL use pg_dump');
  if (fs.existsSync(file)) throw new UsageError(`${file} exists; choose a new file`);
  // SQLite's own errors here name no file ("unable to open database file").
  if (!fs.existsSync(path.dirname(path.resolve(file))))
    throw new UsageError(`cannot write ${file}: its folder does not exist`);
  const database = databaseUrl.slice('sqlite:'.length);
  if (!fs.existsSync(database)) throw new Error(`no SQLite database at ${database} (DATABASE_URL)`);
  const source = new Database(database, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    source.prepare('VACUUM INTO ?').run(file);
  } finally {
    source.close();
  }
  const check = new Database(file, { readonly: true });
  const integrity = check.pragma('integrity_check', { simple: true });
  check.close();
  print(
    io,
    flags,
    { file, integrity },
    () =>
      `Backed up to ${file} (integrity_check: ${integrity}). Restore: stop the directory, copy it over the database file, start.`,
  );
}
