/**
 * The SCIM schemas this service speaks (RFC 7643 §4, §8.7). One definition drives
 * /Schemas and /ResourceTypes, body validation, mutability, what is returned, the
 * case-exactness of filters, projection, and which directory field a filter or
 * sort on an attribute becomes (`queryField`, never shown to clients).
 */

export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';

export interface AttributeDef {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  readonly returned: 'always' | 'never' | 'default' | 'request';
  readonly uniqueness: 'none' | 'server' | 'global';
  readonly subAttributes?: readonly AttributeDef[];
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  /** The directory query field a filter or sort on this attribute becomes. Internal. */
  readonly queryField?: string;
}

export interface SchemaDef {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDef[];
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

type Options = Partial<Omit<AttributeDef, 'name' | 'type'>>;

function attr(name: string, type: AttributeType, description: string, options: Options = {}): AttributeDef {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

const complex = (name: string, description: string, subAttributes: AttributeDef[], options: Options = {}) =>
  attr(name, 'complex', description, { subAttributes, ...options });

/** value / display / type / primary: the shape of most multi-valued attributes. */
function multiValued(
  name: string,
  description: string,
  types: string[],
  valueOptions: Options = {},
  extra: AttributeDef[] = [],
) {
  return complex(
    name,
    description,
    [
      attr('value', 'string', `The ${name} value.`, valueOptions),
      attr('display', 'string', 'A human-readable name, primarily used for display purposes.'),
      attr('type', 'string', 'A label indicating the function of the value.', { canonicalValues: types }),
      attr('primary', 'boolean', 'Whether this is the primary value; true appears at most once.'),
      ...extra,
    ],
    { multiValued: true },
  );
}

/** Attributes common to every resource (RFC 7643 §3.1); not listed in /Schemas. */
export const COMMON_ATTRIBUTES: readonly AttributeDef[] = [
  attr('id', 'string', 'Unique identifier assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
    queryField: 'id',
  }),
  attr('externalId', 'string', 'Identifier of the resource at the provisioning client.', {
    caseExact: true,
    queryField: 'external_id',
  }),
  complex(
    'meta',
    'Resource metadata.',
    [
      attr('resourceType', 'string', 'The resource type.', { mutability: 'readOnly', caseExact: true }),
      attr('created', 'dateTime', 'When the resource was added.', {
        mutability: 'readOnly',
        queryField: 'created_at',
      }),
      attr('lastModified', 'dateTime', 'When the resource was last changed.', {
        mutability: 'readOnly',
        queryField: 'updated_at',
      }),
      attr('location', 'reference', 'The URI of the resource.', { mutability: 'readOnly', caseExact: true }),
      attr('version', 'string', 'The version (ETag) of the resource.', {
        mutability: 'readOnly',
        caseExact: true,
      }),
    ],
    { mutability: 'readOnly' },
  ),
];

export const USER: SchemaDef = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    attr(
      'userName',
      'string',
      'Unique identifier for the user; unique within the tenant, case-insensitively.',
      {
        required: true,
        uniqueness: 'server',
        queryField: 'user_name',
      },
    ),
    complex('name', 'The components of the user’s name.', [
      attr('formatted', 'string', 'The full name.'),
      attr('familyName', 'string', 'The family name.', { queryField: 'name.family_name' }),
      attr('givenName', 'string', 'The given name.', { queryField: 'name.given_name' }),
      attr('middleName', 'string', 'The middle name(s).'),
      attr('honorificPrefix', 'string', 'The honorific prefix(es).'),
      attr('honorificSuffix', 'string', 'The honorific suffix(es).'),
    ]),
    attr('displayName', 'string', 'The name of the user, suitable for display.', {
      queryField: 'display_name',
    }),
    attr('nickName', 'string', 'The casual way to address the user.'),
    attr('profileUrl', 'reference', 'A URI of the user’s online profile.', { referenceTypes: ['external'] }),
    attr('title', 'string', 'The user’s title, such as "Vice President".'),
    attr('userType', 'string', 'The relationship between the organization and the user.'),
    attr('preferredLanguage', 'string', 'The user’s preferred written or spoken language.'),
    attr('locale', 'string', 'The user’s default location for localisation.'),
    attr('timezone', 'string', 'The user’s time zone, in IANA format.'),
    attr('active', 'boolean', 'The user’s administrative status.', { queryField: 'active' }),
    attr('password', 'string', 'Accepted and ignored: Wizer never stores a password.', {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multiValued('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
    multiValued('phoneNumbers', 'Phone numbers for the user.', [
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]),
    complex(
      'addresses',
      'Physical mailing addresses for the user.',
      [
        attr('formatted', 'string', 'The full mailing address.'),
        attr('streetAddress', 'string', 'The full street address component.'),
        attr('locality', 'string', 'The city or locality component.'),
        attr('region', 'string', 'The state or region component.'),
        attr('postalCode', 'string', 'The zip code or postal code component.'),
        attr('country', 'string', 'The country name component.'),
        attr('type', 'string', 'A label indicating the function of the address.', {
          canonicalValues: ['work', 'home', 'other'],
        }),
        attr('primary', 'boolean', 'Whether this is the primary address.'),
      ],
      { multiValued: true },
    ),
    complex(
      'groups',
      'The pushed groups (Wizer departments) the user is a member of. Read-only: change membership through /Groups.',
      [
        attr('value', 'string', 'The id of the group.', { mutability: 'readOnly', caseExact: true }),
        attr('$ref', 'reference', 'The URI of the group.', {
          mutability: 'readOnly',
          referenceTypes: ['Group'],
        }),
        attr('display', 'string', 'The group’s display name.', { mutability: 'readOnly' }),
        attr('type', 'string', 'How the user is a member.', {
          mutability: 'readOnly',
          canonicalValues: ['direct'],
        }),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    multiValued('ims', 'Instant messaging addresses for the user.', [
      'aim',
      'gtalk',
      'icq',
      'xmpp',
      'msn',
      'skype',
      'qq',
      'yahoo',
    ]),
    multiValued('photos', 'URIs of images of the user.', ['photo', 'thumbnail'], {
      type: 'reference',
      referenceTypes: ['external'],
    } as Options),
    multiValued('entitlements', 'Entitlements of the user.', []),
    multiValued('roles', 'Roles of the user.', []),
    multiValued('x509Certificates', 'Certificates of the user.', [], { type: 'binary' } as Options),
  ],
};

export const ENTERPRISE_USER: SchemaDef = {
  id: ENTERPRISE_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User; its department places the user in the Wizer department of that name.',
  attributes: [
    attr('employeeNumber', 'string', 'Identifier assigned by the organization.', {
      caseExact: true,
      queryField: 'enterprise.employee_number',
    }),
    attr('costCenter', 'string', 'Name of a cost center.'),
    attr('organization', 'string', 'Name of an organization.'),
    attr('division', 'string', 'Name of a division.'),
    attr(
      'department',
      'string',
      'Name of a department: the user is a member of the Wizer department of this name.',
      {
        queryField: 'enterprise.department',
      },
    ),
    complex('manager', 'The user’s manager.', [
      attr('value', 'string', 'The id of the manager.', {
        caseExact: true,
        queryField: 'enterprise.manager.value',
      }),
      attr('$ref', 'reference', 'The URI of the manager.', { referenceTypes: ['User'] }),
      attr('displayName', 'string', 'The manager’s display name.', { mutability: 'readOnly' }),
    ]),
  ],
};

export const GROUP: SchemaDef = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group: a Wizer department pushed by the provisioning client.',
  attributes: [
    attr(
      'displayName',
      'string',
      'The name of the group (the department), unique within the tenant case-insensitively.',
      {
        required: true,
        uniqueness: 'server',
        queryField: 'name',
      },
    ),
    complex(
      'members',
      'The users pushed as members of the group.',
      [
        attr('value', 'string', 'The id of the member.', {
          mutability: 'immutable',
          caseExact: true,
          queryField: 'member_user_id',
        }),
        attr('$ref', 'reference', 'The URI of the member.', {
          mutability: 'immutable',
          referenceTypes: ['User'],
        }),
        attr('display', 'string', 'The member’s userName.', { mutability: 'readOnly' }),
        attr('type', 'string', 'The type of member.', { mutability: 'immutable', canonicalValues: ['User'] }),
      ],
      { multiValued: true },
    ),
  ],
};

/** A resource type: its endpoint, core schema and extensions. */
export interface ResourceTypeDef {
  readonly name: 'User' | 'Group';
  readonly endpoint: '/Users' | '/Groups';
  readonly description: string;
  readonly schema: SchemaDef;
  readonly extensions: readonly SchemaDef[];
}

export const USER_TYPE: ResourceTypeDef = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER,
  extensions: [ENTERPRISE_USER],
};

export const GROUP_TYPE: ResourceTypeDef = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group (Wizer department)',
  schema: GROUP,
  extensions: [],
};

export const ALL_SCHEMAS: readonly SchemaDef[] = [USER, ENTERPRISE_USER, GROUP];

/** A resolved attribute path: the schema it belongs to, the attribute, and a sub-attribute. */
export interface ResolvedPath {
  schema: SchemaDef;
  attribute: AttributeDef;
  sub?: AttributeDef;
}

const findAttr = (list: readonly AttributeDef[] | undefined, name: string) =>
  list?.find((a) => a.name.toLowerCase() === name.toLowerCase());

/**
 * Resolves `userName`, `name.givenName`, `emails.value`, `meta.created` or a
 * URN-qualified `urn:…:enterprise:2.0:User:manager.value`, case-insensitively
 * (RFC 7643 §2.1). Undefined when the path names nothing this resource has.
 */
export function resolvePath(type: ResourceTypeDef, path: string): ResolvedPath | undefined {
  let rest = path;
  let schemas: readonly SchemaDef[] = [type.schema, ...type.extensions];
  if (/^urn:/i.test(path)) {
    const schema = schemas.find((s) => path.toLowerCase().startsWith(`${s.id.toLowerCase()}:`));
    if (!schema) return undefined;
    rest = path.slice(schema.id.length + 1);
    schemas = [schema];
  }
  const [head = '', subName, ...more] = rest.split('.');
  if (more.length) return undefined;
  for (const schema of schemas) {
    const attribute =
      findAttr(schema.attributes, head) ??
      (schema === type.schema ? findAttr(COMMON_ATTRIBUTES, head) : undefined);
    if (!attribute) continue;
    if (subName === undefined) return { schema, attribute };
    const sub = findAttr(attribute.subAttributes, subName);
    return sub ? { schema, attribute, sub } : undefined;
  }
  return undefined;
}
