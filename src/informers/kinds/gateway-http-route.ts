/**
 * Gateway API HTTPRoute (gateway.networking.k8s.io): the same route shape as Linkerd's. Optional:
 * the Gateway API CRDs may not be installed.
 * Fail-closed: a route whose spec does not parse is kept as invalid, and the reconcilers deny on it;
 * the spec is strict, so an unknown field makes it invalid too.
 */
import { z } from 'zod';
import { failClosed } from '../fail-closed.js';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';
import { httpRouteSpecSchema, routeSalvageSchema } from './http-route-spec.js';

export const validGatewayHttpRouteSchema = z.object({
  apiVersion: z.literal(['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1']),
  kind: z.literal('HTTPRoute'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: httpRouteSpecSchema,
});

export type ValidGatewayHttpRoute = z.infer<typeof validGatewayHttpRouteSchema>;

export const gatewayHttpRouteSchema = failClosed(validGatewayHttpRouteSchema, routeSalvageSchema);

export type GatewayHttpRoute = z.infer<typeof gatewayHttpRouteSchema>;

export const gatewayHttpRouteKind: KindSpec<GatewayHttpRoute> = {
  kind: 'HTTPRoute', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', namespaced: true, optional: true,
  schema: gatewayHttpRouteSchema,
};
