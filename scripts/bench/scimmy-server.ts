/**
 * The comparison server for `npm run bench`: SCIMMY (scimmy + scimmy-routers on express 4, the
 * version the routers are built and tested with) over an in-memory store, mounted at the same
 * path as the gateway (`/api/v1/scim/v2`) so that both answer the very same requests.
 *
 * The store is written the way a careful implementer would write it, not as a strawman: Maps by
 * id, a Map by lower-cased userName for Okta's `userName eq "…"` lookup (any other filter goes
 * through SCIMMY's own `filter.match`), uniqueness checked on create and replace, member ids
 * checked against the users, and list pages cut to what the page needs before SCIMMY maps them
 * (`constraints.totalResults` tells SCIMMY the real total). Users' `groups` are not filled in.
 *
 * Environment: PORT (127.0.0.1), SCIMMY_TOKEN (bearer token; empty accepts any request).
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';

type Stored = Record<string, unknown> & { id: string; meta: { created: string; lastModified: string } };
interface Listing {
  id?: string;
  filter?: SCIMMY.Types.Filter & Array<Record<string, unknown>>;
  constraints?: { startIndex?: number; count?: number; totalResults?: number };
}

const token = process.env.SCIMMY_TOKEN ?? '';
const users = new Map<string, Stored>();
const userIdByName = new Map<string, string>();
const groups = new Map<string, Stored>();
const groupIdByName = new Map<string, string>();

const notFound = (id: string) => new SCIMMY.Types.Error(404, null as never, `Resource ${id} not found`);
const conflict = (what: string) => new SCIMMY.Types.Error(409, 'uniqueness', `${what} is not unique`);

/** A plain copy of what SCIMMY parsed (its schema instance carries accessors), with id and meta. */
function stored(instance: object, id: string, created?: string): Stored {
  const now = new Date().toISOString();
  const plain = JSON.parse(JSON.stringify(instance)) as Record<string, unknown>;
  const meta = plain.meta as Record<string, unknown> | undefined;
  return { ...plain, id, meta: { ...meta, created: created ?? now, lastModified: now } };
}

/** The one filter Okta sends before every create, `attr eq "value"`, when `attr` is indexed. */
function indexedEquality(resource: Listing, attribute: string): string | undefined {
  const filter = resource.filter;
  if (!filter || filter.length !== 1) return undefined;
  const expression = filter[0]!;
  const keys = Object.keys(expression);
  if (keys.length !== 1 || keys[0]!.toLowerCase() !== attribute.toLowerCase()) return undefined;
  const [op, value] = expression[keys[0]!] as [string, unknown];
  return op === 'eq' && typeof value === 'string' ? value : undefined;
}

/** Egress over a Map: one resource by id, an indexed lookup, or a page cut before SCIMMY maps it. */
function egress(all: Map<string, Stored>, byName: Map<string, string>, nameAttribute: string) {
  return (resource: Listing) => {
    if (resource.id) {
      const found = all.get(resource.id);
      if (!found) throw notFound(resource.id);
      return found;
    }
    const name = indexedEquality(resource, nameAttribute);
    let matched: Stored[];
    if (name !== undefined) {
      const id = byName.get(name.toLowerCase());
      matched = id ? [all.get(id)!] : [];
    } else if (resource.filter) matched = resource.filter.match([...all.values()]) as Stored[];
    else matched = [...all.values()];
    // SCIMMY slices from startIndex itself: hand it the prefix up to the page's end, with the total.
    const { startIndex = 1, count = 20 } = resource.constraints ?? {};
    if (resource.constraints) resource.constraints.totalResults = matched.length;
    return matched.slice(0, startIndex - 1 + count);
  };
}

function ingress(
  all: Map<string, Stored>,
  byName: Map<string, string>,
  nameAttribute: string,
  check?: (instance: Record<string, unknown>) => void,
) {
  return (resource: Listing, instance: Record<string, unknown>) => {
    const name = String(instance[nameAttribute] ?? '').toLowerCase();
    check?.(instance);
    if (resource.id) {
      const existing = all.get(resource.id);
      if (!existing) throw notFound(resource.id);
      const holder = byName.get(name);
      if (holder && holder !== resource.id) throw conflict(nameAttribute);
      const next = stored(instance, resource.id, existing.meta.created);
      const previous = String(existing[nameAttribute] ?? '').toLowerCase();
      if (previous !== name) byName.delete(previous);
      byName.set(name, resource.id);
      all.set(resource.id, next);
      return next;
    }
    if (byName.has(name)) throw conflict(nameAttribute);
    const next = stored(instance, randomUUID());
    byName.set(name, next.id);
    all.set(next.id, next);
    return next;
  };
}

function degress(all: Map<string, Stored>, byName: Map<string, string>, nameAttribute: string) {
  return (resource: Listing) => {
    const existing = resource.id ? all.get(resource.id) : undefined;
    if (!existing) throw notFound(resource.id ?? '');
    byName.delete(String(existing[nameAttribute] ?? '').toLowerCase());
    all.delete(existing.id);
  };
}

const membersExist = (instance: Record<string, unknown>) => {
  for (const member of (instance.members as { value?: string }[] | undefined) ?? [])
    if (!member.value || !users.has(member.value))
      throw new SCIMMY.Types.Error(400, 'invalidValue', `no user ${member.value}`);
};

SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false))
  .ingress(ingress(users, userIdByName, 'userName') as never)
  .egress(egress(users, userIdByName, 'userName') as never)
  .degress(degress(users, userIdByName, 'userName') as never);
SCIMMY.Resources.declare(SCIMMY.Resources.Group)
  .ingress(ingress(groups, groupIdByName, 'displayName', membersExist) as never)
  .egress(egress(groups, groupIdByName, 'displayName') as never)
  .degress(degress(groups, groupIdByName, 'displayName') as never);

const app = express();
app.disable('x-powered-by');
app.use(
  '/api/v1/scim/v2',
  new SCIMMYRouters({
    type: 'bearer',
    handler: (request: express.Request) => {
      if (token && request.header('authorization') !== `Bearer ${token}`) throw new Error('unauthorized');
      return 'bench';
    },
  }) as unknown as express.Router,
);
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () =>
  console.error(`scimmy listening on ${process.env.PORT}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
