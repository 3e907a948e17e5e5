/**
 * The route shapes shared by Linkerd's HTTPRoute, Gateway API's HTTPRoute and GRPCRoute: parent
 * references, hostnames, matches, filters, backends and timeouts, with the validation their CRDs
 * declare. Filters are a union on `type`, so an unknown filter type is a parse failure (and, as
 * these kinds are fail-closed, an invalid route rather than a silently dropped filter). That
 * includes Gateway API's experimental `CORS` and `ExternalAuth` filters: Sinew cannot honour them,
 * and ExternalAuth must fail closed.
 *
 * Every object here is strict: a field Sinew does not know makes the route invalid instead of
 * being dropped. The Gateway API v1 fields Sinew does not act on (rule `name`, `retry`,
 * `sessionPersistence`, spec `useDefaultGateways`) are declared, loosely, so that a valid route
 * that uses them stays valid; none of them can grant access.
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
export const parentRefSchema = z.strictObject({
  group: groupSchema.optional(),
  kind: refKindSchema.optional(),
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63).optional(),
  sectionName: z.string().min(1).max(253).optional(),
  port: portSchema.optional(),
});

export type ParentRef = z.infer<typeof parentRefSchema>;

/** What an invalid route still says about where it attaches: its parentRefs, when they parse. */
export const routeSalvageSchema = z.object({ spec: z.object({ parentRefs: z.array(parentRefSchema) }) });

export type RouteSalvage = z.infer<typeof routeSalvageSchema>;

export const headerNameSchema = z.string().min(1).max(256)
  .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/, 'expected an HTTP header name');

const valueMatchTypeSchema = z.enum(['Exact', 'RegularExpression']);

/** Header matches (also used by GRPCRoute); absent type means Exact. */
export const headerMatchSchema = z.strictObject({
  type: valueMatchTypeSchema.optional(),
  name: headerNameSchema,
  value: z.string().max(4096),
});

export type HeaderMatch = z.infer<typeof headerMatchSchema>;

const queryParamMatchSchema = z.strictObject({
  type: valueMatchTypeSchema.optional(),
  name: z.string().min(1).max(256),
  value: z.string().min(1).max(1024),
});

export const httpMethodSchema = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** One match: every field present must match. Absent path means a `/` prefix. */
export const httpRouteMatchSchema = z.strictObject({
  path: z.strictObject({
    type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']).optional(),
    value: z.string().max(1024).optional(),
  }).optional(),
  headers: z.array(headerMatchSchema).optional(),
  queryParams: z.array(queryParamMatchSchema).optional(),
  method: httpMethodSchema.optional(),
});

export type HttpRouteMatch = z.infer<typeof httpRouteMatchSchema>;

const headerSchema = z.strictObject({ name: headerNameSchema, value: z.string().max(4096) });

export const headerModifierSchema = z.strictObject({
  set: z.array(headerSchema).optional(),
  add: z.array(headerSchema).optional(),
  remove: z.array(headerNameSchema).optional(),
});

export type HeaderModifier = z.infer<typeof headerModifierSchema>;

const pathModifierSchema = z.strictObject({
  type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']),
  replaceFullPath: z.string().max(1024).optional(),
  replacePrefixMatch: z.string().max(1024).optional(),
}).refine(
  (modifier) => (modifier.type === 'ReplaceFullPath' ? modifier.replaceFullPath : modifier.replacePrefixMatch) !== undefined,
  { message: 'the field named by type is required' },
);

/** A reference to a backend object: a Service unless group and kind say otherwise. */
export const backendObjectRefSchema = z.strictObject({
  group: groupSchema.optional(),
  kind: refKindSchema.optional(),
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63).optional(),
  port: portSchema.optional(),
});

export const requestHeaderModifierFilterSchema = z.strictObject({
  type: z.literal('RequestHeaderModifier'),
  requestHeaderModifier: headerModifierSchema,
});

export const responseHeaderModifierFilterSchema = z.strictObject({
  type: z.literal('ResponseHeaderModifier'),
  responseHeaderModifier: headerModifierSchema,
});

export const requestRedirectFilterSchema = z.strictObject({
  type: z.literal('RequestRedirect'),
  requestRedirect: z.strictObject({
    scheme: z.enum(['http', 'https']).optional(),
    hostname: hostnameSchema.optional(),
    path: pathModifierSchema.optional(),
    port: portSchema.optional(),
    statusCode: z.literal([301, 302, 303, 307, 308]).optional(),
  }),
});

export const urlRewriteFilterSchema = z.strictObject({
  type: z.literal('URLRewrite'),
  urlRewrite: z.strictObject({
    hostname: hostnameSchema.optional(),
    path: pathModifierSchema.optional(),
  }),
});

export const requestMirrorFilterSchema = z.strictObject({
  type: z.literal('RequestMirror'),
  requestMirror: z.strictObject({
    backendRef: backendObjectRefSchema,
    percent: z.number().int().min(0).max(100).optional(),
    fraction: z.strictObject({ numerator: z.number().int().min(0), denominator: z.number().int().min(1).optional() }).optional(),
  }),
});

export const extensionRefFilterSchema = z.strictObject({
  type: z.literal('ExtensionRef'),
  extensionRef: z.strictObject({ group: groupSchema, kind: refKindSchema, name: z.string().min(1).max(253) }),
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

/** A rule's name (Gateway API `SectionName`): unique within the route; Sinew only carries it. */
export const ruleNameSchema = z.string().min(1).max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'expected a rule name (DNS subdomain)');

/** Gateway API session persistence (experimental). Sinew does not act on it; declared so routes using it stay valid. */
export const sessionPersistenceSchema = z.looseObject({
  sessionName: z.string().max(128).optional(),
  absoluteTimeout: gatewayDurationSchema.optional(),
  idleTimeout: gatewayDurationSchema.optional(),
  type: z.string().optional(),
  cookieConfig: z.looseObject({ lifetimeType: z.string().optional() }).optional(),
});

/** Gateway API rule retries (experimental). Sinew retries per Linkerd's annotations and does not act on this. */
const retrySchema = z.looseObject({
  codes: z.array(z.number().int().min(400).max(599)).optional(),
  attempts: z.number().int().min(0).optional(),
  backoff: gatewayDurationSchema.optional(),
});

export const httpRouteRuleSchema = z.strictObject({
  name: ruleNameSchema.optional(),
  matches: z.array(httpRouteMatchSchema).optional(),
  filters: z.array(httpRouteFilterSchema).optional(),
  backendRefs: z.array(httpBackendRefSchema).optional(),
  timeouts: z.strictObject({
    request: gatewayDurationSchema.optional(),
    backendRequest: gatewayDurationSchema.optional(),
  }).optional(),
  retry: retrySchema.optional(),
  sessionPersistence: sessionPersistenceSchema.optional(),
});

export type HttpRouteRule = z.infer<typeof httpRouteRuleSchema>;

/** Gateway API `useDefaultGateways` (experimental): which default Gateways may claim the route. Not used by the mesh. */
export const useDefaultGatewaysSchema = z.enum(['All', 'None']);

export const httpRouteSpecSchema = z.strictObject({
  parentRefs: z.array(parentRefSchema).optional(),
  useDefaultGateways: useDefaultGatewaysSchema.optional(),
  hostnames: z.array(hostnameSchema).optional(),
  rules: z.array(httpRouteRuleSchema).optional(),
});

export type HttpRouteSpec = z.infer<typeof httpRouteSpecSchema>;
