import type { User } from '#proto/user.js';
import { MembershipSource } from '#proto/user.js';
import { asBoolean, asList, asObject, asString, checkKey, isObject, pick } from './coerce.js';
import { managerOf } from './manager.js';
import { COMMON_ATTRIBUTES, ENTERPRISE_SCHEMA, ENTERPRISE_USER, USER, USER_SCHEMA } from './schemas.js';

/** The only module that knows both the SCIM User and the directory's User. */

const IGNORED = new Set(['schemas', 'id', 'meta', 'groups', 'password']);
/** Core multi-valued attributes the directory keeps verbatim rather than typed. */
const VERBATIM = new Set(['ims', 'photos', 'entitlements', 'roles', 'x509certificates']);
const CORE = new Map([...USER.attributes, ...COMMON_ATTRIBUTES].map((a) => [a.name.toLowerCase(), a.name]));

type Json = Record<string, unknown>;

function nameOf(value: unknown) {
  const name = asObject(value, 'name');
  if (!name) return undefined;
  const out = {
    formatted: asString(pick(name, 'formatted'), 'name.formatted'),
    familyName: asString(pick(name, 'familyName'), 'name.familyName'),
    givenName: asString(pick(name, 'givenName'), 'name.givenName'),
    middleName: asString(pick(name, 'middleName'), 'name.middleName'),
    honorificPrefix: asString(pick(name, 'honorificPrefix'), 'name.honorificPrefix'),
    honorificSuffix: asString(pick(name, 'honorificSuffix'), 'name.honorificSuffix'),
  };
  return Object.values(out).some((v) => v !== undefined) ? out : undefined;
}

/** value/type/primary/display items; an item without a value is a clear, and is dropped. */
function valuesOf(value: unknown, path: string) {
  return asList(value, path).flatMap((item, i) => {
    const v = asString(pick(item, 'value'), `${path}[${i}].value`);
    if (v === undefined) return [];
    return [
      {
        value: v,
        type: asString(pick(item, 'type'), `${path}[${i}].type`),
        primary: asBoolean(pick(item, 'primary'), `${path}[${i}].primary`) ?? false,
        display: asString(pick(item, 'display'), `${path}[${i}].display`),
      },
    ];
  });
}

function addressesOf(value: unknown) {
  return asList(value, 'addresses').map((item, i) => {
    const s = (key: string) => asString(pick(item, key), `addresses[${i}].${key}`);
    return {
      formatted: s('formatted'),
      streetAddress: s('streetAddress'),
      locality: s('locality'),
      region: s('region'),
      postalCode: s('postalCode'),
      country: s('country'),
      type: s('type'),
      primary: asBoolean(pick(item, 'primary'), `addresses[${i}].primary`) ?? false,
    };
  });
}

/** The enterprise extension object; its unknown keys are returned apart, to keep verbatim. */
function enterpriseOf(value: unknown): { enterprise?: User['enterprise']; unknown: Json } {
  const object = asObject(value, ENTERPRISE_SCHEMA);
  if (!object) return { unknown: {} };
  const known = new Set(ENTERPRISE_USER.attributes.map((a) => a.name.toLowerCase()));
  const unknown: Json = {};
  for (const [key, v] of Object.entries(object)) {
    checkKey(key);
    if (!known.has(key.toLowerCase())) unknown[key] = v;
  }
  const s = (key: string) => asString(pick(object, key), `${ENTERPRISE_SCHEMA}:${key}`);
  const manager = managerOf(pick(object, 'manager'), `${ENTERPRISE_SCHEMA}:manager`);
  const enterprise = {
    employeeNumber: s('employeeNumber'),
    costCenter: s('costCenter'),
    organization: s('organization'),
    division: s('division'),
    department: s('department'),
    manager,
  };
  return {
    enterprise: Object.values(enterprise).some((v) => v !== undefined) ? enterprise : undefined,
    unknown,
  };
}

/**
 * A SCIM User body → the directory's User. Attribute names match
 * case-insensitively; read-only attributes and `password` are ignored; anything
 * not modelled is kept verbatim in `extra`. `active` defaults to true.
 */
export function userFromScim(body: Json, id = ''): User {
  const core: Json = {};
  const extra: Json = {};
  let enterpriseValue: Json = {};
  for (const [key, value] of Object.entries(body)) {
    checkKey(key);
    const lower = key.toLowerCase();
    if (IGNORED.has(lower)) continue;
    if (lower === ENTERPRISE_SCHEMA.toLowerCase()) {
      if (isObject(value)) enterpriseValue = { ...enterpriseValue, ...value };
      else if (value !== null) asObject(value, key);
    } else if (lower.startsWith(`${ENTERPRISE_SCHEMA.toLowerCase()}:`)) {
      enterpriseValue[key.slice(ENTERPRISE_SCHEMA.length + 1)] = value;
    } else if (lower.startsWith(`${USER_SCHEMA.toLowerCase()}:`)) {
      const name = key.slice(USER_SCHEMA.length + 1).toLowerCase();
      if (!IGNORED.has(name)) core[CORE.get(name) ?? name] = value;
    } else if (CORE.has(lower) && !VERBATIM.has(lower)) {
      core[CORE.get(lower)!] = value;
    } else {
      extra[CORE.get(lower) ?? key] = value;
    }
  }
  const { enterprise, unknown } = enterpriseOf(enterpriseValue);
  if (Object.keys(unknown).length) extra[ENTERPRISE_SCHEMA] = unknown;
  const s = (key: string) => asString(core[key], key);
  return {
    id,
    userName: s('userName') ?? '',
    externalId: s('externalId'),
    active: asBoolean(core.active, 'active') ?? true,
    name: nameOf(core.name),
    displayName: s('displayName'),
    nickName: s('nickName'),
    profileUrl: s('profileUrl'),
    title: s('title'),
    userType: s('userType'),
    preferredLanguage: s('preferredLanguage'),
    locale: s('locale'),
    timezone: s('timezone'),
    emails: valuesOf(core.emails, 'emails'),
    phoneNumbers: valuesOf(core.phoneNumbers, 'phoneNumbers'),
    addresses: addressesOf(core.addresses),
    enterprise,
    extra: Object.keys(extra).length ? JSON.parse(JSON.stringify(extra)) : undefined,
    version: 0,
    createdAt: undefined,
    updatedAt: undefined,
    memberships: [],
  };
}

/**
 * The entries of `object` that hold a value (not undefined, not the empty string proto3 uses
 * for "unset"), or undefined when none does. A loop rather than entries/filter/fromEntries:
 * it runs for every attribute of every user of a page.
 */
function clean<T extends Json>(object: T): T | undefined {
  let out: Json | undefined;
  for (const key in object) {
    const value = object[key];
    if (value !== undefined && value !== '') (out ??= {})[key] = value;
  }
  return out as T | undefined;
}

export const etagOf = (version: number) => `W/"${version}"`;

/** Extension schemas among the attributes kept verbatim: their keys are schema URNs. */
const EXTENSION_KEY = /^urn:/i;

/** A multi-valued attribute's items without their unset sub-attributes; undefined when empty. */
function cleanItems(list: readonly object[]): Json[] | undefined {
  if (list.length === 0) return undefined;
  const out = new Array<Json>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = clean(list[i] as Json)!;
  return out;
}

/**
 * The directory's User → the SCIM User a client reads, built key by key in the order clients
 * read them, skipping what the user does not have. It runs for every user of every page:
 * written as plain assignments and loops (no object rest, no closures, no intermediate
 * arrays), which halved its time on a page of 100 Okta-shaped users (~165 → ~80 µs).
 */
export function userToScim(user: User, baseUrl: string): Json {
  const extra = user.extra as Json | undefined;
  let unknownEnterprise: unknown;
  let extensionSchemas: string[] | undefined;
  for (const key in extra) {
    if (key === ENTERPRISE_SCHEMA) unknownEnterprise = extra[key];
    else if (EXTENSION_KEY.test(key)) (extensionSchemas ??= []).push(key);
  }
  let enterprise: Json | undefined;
  if (user.enterprise) {
    const { manager } = user.enterprise;
    enterprise = clean({
      employeeNumber: user.enterprise.employeeNumber,
      costCenter: user.enterprise.costCenter,
      organization: user.enterprise.organization,
      division: user.enterprise.division,
      department: user.enterprise.department,
      manager: manager
        ? clean({
            value: manager.value,
            ...(manager.value && { $ref: `${baseUrl}/Users/${manager.value}` }),
            displayName: manager.displayName,
          })
        : undefined,
      ...(isObject(unknownEnterprise) ? unknownEnterprise : {}),
    });
  } else if (isObject(unknownEnterprise)) enterprise = unknownEnterprise;

  const schemas = [USER_SCHEMA];
  if (enterprise) schemas.push(ENTERPRISE_SCHEMA);
  if (extensionSchemas) schemas.push(...extensionSchemas);
  const resource: Json = { schemas, id: user.id };
  if (user.externalId !== undefined) resource.externalId = user.externalId;
  resource.userName = user.userName;
  const name = user.name && clean(user.name as unknown as Json);
  if (name) resource.name = name;
  if (user.displayName !== undefined) resource.displayName = user.displayName;
  if (user.nickName !== undefined) resource.nickName = user.nickName;
  if (user.profileUrl !== undefined) resource.profileUrl = user.profileUrl;
  if (user.title !== undefined) resource.title = user.title;
  if (user.userType !== undefined) resource.userType = user.userType;
  if (user.preferredLanguage !== undefined) resource.preferredLanguage = user.preferredLanguage;
  if (user.locale !== undefined) resource.locale = user.locale;
  if (user.timezone !== undefined) resource.timezone = user.timezone;
  resource.active = user.active;
  const emails = cleanItems(user.emails);
  if (emails) resource.emails = emails;
  const phoneNumbers = cleanItems(user.phoneNumbers);
  if (phoneNumbers) resource.phoneNumbers = phoneNumbers;
  const addresses = cleanItems(user.addresses);
  if (addresses) resource.addresses = addresses;
  // Pushed groups only: a department the attribute names is not a SCIM Group.
  let groups: Json[] | undefined;
  for (const m of user.memberships) {
    if (m.source !== MembershipSource.MEMBERSHIP_SOURCE_PUSHED) continue;
    const group = {
      value: m.departmentId,
      $ref: `${baseUrl}/Groups/${m.departmentId}`,
      display: m.departmentName,
      type: 'direct',
    };
    (groups ??= []).push(group);
  }
  if (groups) resource.groups = groups;
  for (const key in extra) {
    if (key !== ENTERPRISE_SCHEMA && extra[key] !== undefined) resource[key] = extra[key];
  }
  if (enterprise) resource[ENTERPRISE_SCHEMA] = enterprise;
  resource.meta = {
    resourceType: 'User',
    created: user.createdAt?.toISOString(),
    lastModified: user.updatedAt?.toISOString(),
    location: `${baseUrl}/Users/${user.id}`,
    version: etagOf(user.version),
  };
  return resource;
}
