/**
 * The route shapes shared by Linkerd's HTTPRoute, Gateway API's HTTPRoute and GRPCRoute: parent
 * references, hostnames, matches, filters, backends and timeouts, with the validation their CRDs
 * declare. Filters are a union on `type`, so an unknown filter type is a parse failure (and, as
 * these kinds are fail-closed, an invalid route rather than a silently dropped filter).
 */
import { z } from 'zod';
import { groupSchema, refKindSchema } from './mesh-tls-authentication.js';

const portSchema = z.number().int().min(1).max(65535);

/** A Gateway API duration: 1-4 runs of up to 5 digits and a unit (`10s`, `1m30s`, `500ms`). */
export const gatewayDurationSchema = z.string()
  .regex(/^([0-9]{1,5}(h|m|s|ms)){1,4}$/, 'expected a duration such as 10s or 1m30s');

/** An RFC 1123 host name, optionally with a leading `*.` wildcard label. */
export const hostnameSchema = z.string().min(1).max(253)
  .regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'expected a host name');

/** What a route attaches to: a Service or a Linkerd Server for the mesh, a Gateway otherwise. */
export const parentRefSchema = z.object({
  group: groupSchema.optional(),
  kind: refKindSchema.optional(),
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63).optional(),
  sectionName: z.string().min(1).max(253).optional(),
  port: portSchema.optional(),
});

export type ParentRef = z.infer<typeof parentRefSchema>;

export const headerNameSchema = z.string().min(1).max(256)
  .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/, 'expected an HTTP header name');

const valueMatchTypeSchema = z.enum(['Exact', 'RegularExpression']);

/** Header matches (also used by GRPCRoute); absent type means Exact. */
export const headerMatchSchema = z.object({
  type: valueMatchTypeSchema.optional(),
  name: headerNameSchema,
  value: z.string().max(4096),
});

export type HeaderMatch = z.infer<typeof headerMatchSchema>;

const queryParamMatchSchema = z.object({
  type: valueMatchTypeSchema.optional(),
  name: z.string().min(1).max(256),
  value: z.string().min(1).max(1024),
});

export const httpMethodSchema = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** One match: every field present must match. Absent path means a `/` prefix. */
export const httpRouteMatchSchema = z.object({
  path: z.object({
    type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']).optional(),
    value: z.string().max(1024).optional(),
  }).optional(),
  headers: z.array(headerMatchSchema).optional(),
  queryParams: z.array(queryParamMatchSchema).optional(),
  method: httpMethodSchema.optional(),
});

export type HttpRouteMatch = z.infer<typeof httpRouteMatchSchema>;

const headerSchema = z.object({ name: headerNameSchema, value: z.string().max(4096) });

export const headerModifierSchema = z.object({
  set: z.array(headerSchema).optional(),
  add: z.array(headerSchema).optional(),
  remove: z.array(headerNameSchema).optional(),
});

export type HeaderModifier = z.infer<typeof headerModifierSchema>;

const pathModifierSchema = z.object({
  type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']),
  replaceFullPath: z.string().max(1024).optional(),
  replacePrefixMatch: z.string().max(1024).optional(),
}).refine(
  (modifier) => (modifier.type === 'ReplaceFullPath' ? modifier.replaceFullPath : modifier.replacePrefixMatch) !== undefined,
  { message: 'the field named by type is required' },
);

/** A reference to a backend object: a Service unless group and kind say otherwise. */
export const backendObjectRefSchema = z.object({
  group: groupSchema.optional(),
  kind: refKindSchema.optional(),
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63).optional(),
  port: portSchema.optional(),
});

export const requestHeaderModifierFilterSchema = z.object({
  type: z.literal('RequestHeaderModifier'),
  requestHeaderModifier: headerModifierSchema,
});

export const responseHeaderModifierFilterSchema = z.object({
  type: z.literal('ResponseHeaderModifier'),
  responseHeaderModifier: headerModifierSchema,
});

export const requestRedirectFilterSchema = z.object({
  type: z.literal('RequestRedirect'),
  requestRedirect: z.object({
    scheme: z.enum(['http', 'https']).optional(),
    hostname: hostnameSchema.optional(),
    path: pathModifierSchema.optional(),
    port: portSchema.optional(),
    statusCode: z.literal([301, 302, 303, 307, 308]).optional(),
  }),
});

export const urlRewriteFilterSchema = z.object({
  type: z.literal('URLRewrite'),
  urlRewrite: z.object({
    hostname: hostnameSchema.optional(),
    path: pathModifierSchema.optional(),
  }),
});

export const requestMirrorFilterSchema = z.object({
  type: z.literal('RequestMirror'),
  requestMirror: z.object({
    backendRef: backendObjectRefSchema,
    percent: z.number().int().min(0).max(100).optional(),
    fraction: z.object({ numerator: z.number().int().min(0), denominator: z.number().int().min(1).optional() }).optional(),
  }),
});

export const extensionRefFilterSchema = z.object({
  type: z.literal('ExtensionRef'),
  extensionRef: z.object({ group: groupSchema, kind: refKindSchema, name: z.string().min(1).max(253) }),
});

export const httpRouteFilterSchema = z.discriminatedUnion('type', [
  requestHeaderModifierFilterSchema,
  responseHeaderModifierFilterSchema,
  requestRedirectFilterSchema,
  urlRewriteFilterSchema,
  requestMirrorFilterSchema,
  extensionRefFilterSchema,
]);

export type HttpRouteFilter = z.infer<typeof httpRouteFilterSchema>;

/** A weighted backend; absent weight means 1, and 0 means no traffic. */
export function backendRefSchema<F extends z.ZodType>(filterSchema: F) {
  return backendObjectRefSchema.extend({
    weight: z.number().int().min(0).max(1_000_000).optional(),
    filters: z.array(filterSchema).optional(),
  });
}

export const httpBackendRefSchema = backendRefSchema(httpRouteFilterSchema);

export type HttpBackendRef = z.infer<typeof httpBackendRefSchema>;

export const httpRouteRuleSchema = z.object({
  matches: z.array(httpRouteMatchSchema).optional(),
  filters: z.array(httpRouteFilterSchema).optional(),
  backendRefs: z.array(httpBackendRefSchema).optional(),
  timeouts: z.object({
    request: gatewayDurationSchema.optional(),
    backendRequest: gatewayDurationSchema.optional(),
  }).optional(),
});

export type HttpRouteRule = z.infer<typeof httpRouteRuleSchema>;

export const httpRouteSpecSchema = z.object({
  parentRefs: z.array(parentRefSchema).optional(),
  hostnames: z.array(hostnameSchema).optional(),
  rules: z.array(httpRouteRuleSchema).optional(),
});

export type HttpRouteSpec = z.infer<typeof httpRouteSpecSchema>;
