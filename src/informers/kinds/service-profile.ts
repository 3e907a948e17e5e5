/**
 * Linkerd ServiceProfiles: per-route conditions, response classes, retries and timeouts, a retry
 * budget, traffic-split destination overrides and opaque ports for one authority.
 * Not fail-closed: a profile that does not parse is skipped, and the default profile applies.
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

export const requestMatchSchema: z.ZodType<RequestMatch> = z.lazy(() => z.object({
  all: z.array(requestMatchSchema).optional(),
  any: z.array(requestMatchSchema).optional(),
  not: z.union([requestMatchSchema, z.array(requestMatchSchema)]).optional(),
  pathRegex: z.string().optional(),
  method: z.string().optional(),
}));

/** A response condition; `status` is an inclusive range of codes (either bound may be absent). */
export interface ResponseMatch {
  all?: ResponseMatch[] | undefined;
  any?: ResponseMatch[] | undefined;
  not?: ResponseMatch | undefined;
  status?: { min?: number | undefined; max?: number | undefined } | undefined;
}

const statusCodeSchema = z.number().int().min(0).max(999);

export const responseMatchSchema: z.ZodType<ResponseMatch> = z.lazy(() => z.object({
  all: z.array(responseMatchSchema).optional(),
  any: z.array(responseMatchSchema).optional(),
  not: responseMatchSchema.optional(),
  status: z.object({ min: statusCodeSchema.optional(), max: statusCodeSchema.optional() }).optional(),
}));

const routeSchema = z.object({
  name: z.string(),
  condition: requestMatchSchema,
  responseClasses: z.array(z.object({
    condition: responseMatchSchema,
    isFailure: z.boolean().optional(),
  })).optional(),
  isRetryable: z.boolean().optional(),
  /** A Go duration string, e.g. `300ms`. */
  timeout: z.string().optional(),
});

export type ProfileRoute = z.infer<typeof routeSchema>;

/** A Kubernetes quantity: an integer, or a string such as `500m`, `1`, `1.5k`. */
export const quantitySchema = z.union([
  z.number().nonnegative(),
  z.string().regex(
    /^\+?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/,
    'expected a quantity such as 500m',
  ),
]);

export const serviceProfileSchema = z.object({
  apiVersion: z.literal('linkerd.io/v1alpha2'),
  kind: z.literal('ServiceProfile'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: z.object({
    routes: z.array(routeSchema).optional(),
    retryBudget: z.object({
      retryRatio: z.number().nonnegative(),
      minRetriesPerSecond: z.number().int().nonnegative(),
      /** A Go duration string, e.g. `10s`. */
      ttl: z.string(),
    }).optional(),
    dstOverrides: z.array(z.object({ authority: z.string().min(1), weight: quantitySchema })).optional(),
    /** Ports or port ranges (`3306`, `4000-4100`), as strings. */
    opaquePorts: z.array(z.string()).optional(),
  }),
});

export type ServiceProfile = z.infer<typeof serviceProfileSchema>;

export const serviceProfileKind: KindSpec<ServiceProfile> = {
  kind: 'ServiceProfile', group: 'linkerd.io', version: 'v1alpha2', plural: 'serviceprofiles', namespaced: true, optional: false,
  schema: serviceProfileSchema,
};
