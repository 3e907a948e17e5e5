/**
 * Linkerd ServiceProfiles: per-route conditions, response classes, retries and timeouts, a retry
 * budget, traffic-split destination overrides and opaque ports for one authority.
 * Not fail-closed: a profile that does not parse is skipped, and the default profile applies.
 *
 * Two projections from one definition: `serviceProfileSchema` (the informer's) drops fields it does
 * not know, as a profile cannot grant access; `strictServiceProfileSchema` (the sp-validator's)
 * rejects them anywhere in the spec, as Linkerd's validator does.
 */
import { z } from 'zod';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

/** A request condition; every field present must hold. */
export interface RequestMatch {
  all?: RequestMatch[] | undefined;
  any?: RequestMatch[] | undefined;
  /**
   * Negation of one condition, as Linkerd's Go types and docs write it. The CRD's structural
   * schema declares an array instead, so that shape is accepted too and left to the reconciler.
   */
  not?: RequestMatch | RequestMatch[] | undefined;
  pathRegex?: string | undefined;
  method?: string | undefined;
}

/** A response condition; `status` is an inclusive range of codes (either bound may be absent). */
export interface ResponseMatch {
  all?: ResponseMatch[] | undefined;
  any?: ResponseMatch[] | undefined;
  not?: ResponseMatch | undefined;
  status?: { min?: number | undefined; max?: number | undefined } | undefined;
}

/** Builds objects either lenient (unknown fields dropped) or strict (unknown fields rejected). */
type ObjectBuilder = <Shape extends z.ZodRawShape>(shape: Shape) => z.ZodObject<Shape, z.core.$strip | z.core.$strict>;

const statusCodeSchema = z.number().int().min(0).max(999);

/** A Kubernetes quantity: an integer, or a string such as `500m`, `1`, `1.5k`. */
export const quantitySchema = z.union([
  z.number().nonnegative(),
  z.string().regex(
    /^\+?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/,
    'expected a quantity such as 500m',
  ),
]);

function profileSchemas(object: ObjectBuilder) {
  const requestMatch: z.ZodType<RequestMatch> = z.lazy(() => object({
    all: z.array(requestMatch).optional(),
    any: z.array(requestMatch).optional(),
    not: z.union([requestMatch, z.array(requestMatch)]).optional(),
    pathRegex: z.string().optional(),
    method: z.string().optional(),
  }));
  const responseMatch: z.ZodType<ResponseMatch> = z.lazy(() => object({
    all: z.array(responseMatch).optional(),
    any: z.array(responseMatch).optional(),
    not: responseMatch.optional(),
    status: object({ min: statusCodeSchema.optional(), max: statusCodeSchema.optional() }).optional(),
  }));
  const route = object({
    name: z.string(),
    condition: requestMatch,
    responseClasses: z.array(object({
      condition: responseMatch,
      isFailure: z.boolean().optional(),
    })).optional(),
    isRetryable: z.boolean().optional(),
    /** A Go duration string, e.g. `300ms`. */
    timeout: z.string().optional(),
  });
  const spec = object({
    routes: z.array(route).optional(),
    retryBudget: object({
      retryRatio: z.number().nonnegative(),
      minRetriesPerSecond: z.number().int().nonnegative(),
      /** A Go duration string, e.g. `10s`. */
      ttl: z.string(),
    }).optional(),
    dstOverrides: z.array(object({ authority: z.string().min(1), weight: quantitySchema })).optional(),
    /** Ports or port ranges (`3306`, `4000-4100`), as strings. */
    opaquePorts: z.array(z.string()).optional(),
  });
  return { requestMatch, responseMatch, route, spec };
}

const lenient = profileSchemas((shape) => z.object(shape));
const strict = profileSchemas((shape) => z.strictObject(shape));

export const requestMatchSchema = lenient.requestMatch;

export const responseMatchSchema = lenient.responseMatch;

export type ProfileRoute = z.infer<typeof lenient.route>;

export const serviceProfileSchema = z.object({
  apiVersion: z.literal('linkerd.io/v1alpha2'),
  kind: z.literal('ServiceProfile'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: lenient.spec,
});

/** The same profile with every object under `spec` strict: what the sp-validator admits. */
export const strictServiceProfileSchema = serviceProfileSchema.extend({ spec: strict.spec });

export type ServiceProfile = z.infer<typeof serviceProfileSchema>;

export const serviceProfileKind: KindSpec<ServiceProfile> = {
  kind: 'ServiceProfile', group: 'linkerd.io', version: 'v1alpha2', plural: 'serviceprofiles', namespaced: true, optional: false,
  schema: serviceProfileSchema,
};
