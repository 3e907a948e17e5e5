/**
 * Gateway API GRPCRoute: routes by gRPC service and method. Optional: the Gateway API CRDs may
 * not be installed.
 * Fail-closed: a route whose spec does not parse is kept as invalid, and the reconcilers deny on it.
 * The spec is strict (an unknown field makes the route invalid); the Gateway API v1 fields Sinew
 * does not act on (rule `name`, `sessionPersistence`, `useDefaultGateways`) are declared.
 */
import { z } from 'zod';
import { failClosed } from '../fail-closed.js';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';
import {
  backendRefSchema,
  extensionRefFilterSchema,
  headerMatchSchema,
  hostnameSchema,
  parentRefSchema,
  requestHeaderModifierFilterSchema,
  requestMirrorFilterSchema,
  responseHeaderModifierFilterSchema,
  routeSalvageSchema,
  ruleNameSchema,
  sessionPersistenceSchema,
  useDefaultGatewaysSchema,
} from './http-route-spec.js';

/** A service and/or method to match; at least one of them, not empty. Absent type means Exact. */
const grpcMethodMatchSchema = z.strictObject({
  type: z.enum(['Exact', 'RegularExpression']).optional(),
  service: z.string().max(1024).optional(),
  method: z.string().max(1024).optional(),
}).refine(
  (match) => (match.service ?? '') !== '' || (match.method ?? '') !== '',
  { message: 'one or both of service and method is required', path: ['service'] },
);

export const grpcRouteMatchSchema = z.strictObject({
  method: grpcMethodMatchSchema.optional(),
  headers: z.array(headerMatchSchema).optional(),
});

export type GrpcRouteMatch = z.infer<typeof grpcRouteMatchSchema>;

export const grpcRouteFilterSchema = z.discriminatedUnion('type', [
  requestHeaderModifierFilterSchema,
  responseHeaderModifierFilterSchema,
  requestMirrorFilterSchema,
  extensionRefFilterSchema,
]);

export type GrpcRouteFilter = z.infer<typeof grpcRouteFilterSchema>;

export const grpcBackendRefSchema = backendRefSchema(grpcRouteFilterSchema);

export type GrpcBackendRef = z.infer<typeof grpcBackendRefSchema>;

export const grpcRouteRuleSchema = z.strictObject({
  name: ruleNameSchema.optional(),
  matches: z.array(grpcRouteMatchSchema).optional(),
  filters: z.array(grpcRouteFilterSchema).optional(),
  backendRefs: z.array(grpcBackendRefSchema).optional(),
  sessionPersistence: sessionPersistenceSchema.optional(),
});

export type GrpcRouteRule = z.infer<typeof grpcRouteRuleSchema>;

export const validGrpcRouteSchema = z.object({
  apiVersion: z.literal(['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1alpha2']),
  kind: z.literal('GRPCRoute'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: z.strictObject({
    parentRefs: z.array(parentRefSchema).optional(),
    useDefaultGateways: useDefaultGatewaysSchema.optional(),
    hostnames: z.array(hostnameSchema).optional(),
    rules: z.array(grpcRouteRuleSchema).optional(),
  }),
});

export type ValidGrpcRoute = z.infer<typeof validGrpcRouteSchema>;

export const grpcRouteSchema = failClosed(validGrpcRouteSchema, routeSalvageSchema);

export type GrpcRoute = z.infer<typeof grpcRouteSchema>;

export const grpcRouteKind: KindSpec<GrpcRoute> = {
  kind: 'GRPCRoute', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'grpcroutes', namespaced: true, optional: true,
  schema: grpcRouteSchema,
};
