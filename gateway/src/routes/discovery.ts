import type Router from '@koa/router';
import type { Context } from 'koa';
import { ScimError } from '../errors/scim-error.js';
import type { PagingLimits } from '../scim/list-params.js';
import { listResponse } from '../scim/list-params.js';
import {
  ALL_SCHEMAS,
  GROUP_TYPE,
  USER_TYPE,
  type AttributeDef,
  type ResourceTypeDef,
  type SchemaDef,
} from '../scim/schemas.js';
import { baseUrlOf, send } from './context.js';

/** An attribute as /Schemas shows it: the internal query mapping stays inside. */
function publicAttribute({ queryField: _q, subAttributes, ...rest }: AttributeDef): Record<string, unknown> {
  return { ...rest, ...(subAttributes && { subAttributes: subAttributes.map(publicAttribute) }) };
}

function schemaResource(schema: SchemaDef, base: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(publicAttribute),
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${schema.id}` },
  };
}

function resourceType(type: ResourceTypeDef, base: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: type.name,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    schemaExtensions: type.extensions.map((s) => ({ schema: s.id, required: false })),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${type.name}` },
  };
}

/** /ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7644 §4), from the schema definitions. */
export function discoveryRoutes(router: Router, limits: PagingLimits, bodyLimit: number): void {
  router.get('/ServiceProviderConfig', (ctx: Context) => {
    send(ctx, 200, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      documentationUri: 'https://api.wizer-training.com/docs/scim',
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: bodyLimit },
      filter: { supported: true, maxResults: limits.maxCount },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description:
            'The API token Wizer issued to your organisation, sent as "Authorization: Bearer <token>".',
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrlOf(ctx)}/ServiceProviderConfig` },
    });
  });

  const types = [USER_TYPE, GROUP_TYPE];
  router.get('/ResourceTypes', (ctx) => {
    const base = baseUrlOf(ctx);
    send(
      ctx,
      200,
      listResponse(
        types.map((t) => resourceType(t, base)),
        types.length,
        1,
      ),
    );
  });
  router.get('/ResourceTypes/:name', (ctx) => {
    const type = types.find((t) => t.name.toLowerCase() === ctx.params.name!.toLowerCase());
    if (!type) throw new ScimError(404, `no resource type ${ctx.params.name}`);
    send(ctx, 200, resourceType(type, baseUrlOf(ctx)));
  });
  router.get('/Schemas', (ctx) => {
    const base = baseUrlOf(ctx);
    send(
      ctx,
      200,
      listResponse(
        ALL_SCHEMAS.map((s) => schemaResource(s, base)),
        ALL_SCHEMAS.length,
        1,
      ),
    );
  });
  router.get('/Schemas/:id', (ctx) => {
    const schema = ALL_SCHEMAS.find((s) => s.id.toLowerCase() === ctx.params.id!.toLowerCase());
    if (!schema) throw new ScimError(404, `no schema ${ctx.params.id}`);
    send(ctx, 200, schemaResource(schema, baseUrlOf(ctx)));
  });
}
