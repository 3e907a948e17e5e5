/**
 * Linkerd's own HTTPRoute (policy.linkerd.io): routes on a Server for inbound policy, or on a
 * Service for outbound routing. Same shape as Gateway API's, in Linkerd's group.
 * Fail-closed: a route whose spec does not parse is kept as invalid, and the reconcilers deny on it;
 * the spec is strict, so an unknown field makes it invalid too.
 */
import { z } from 'zod';
import { failClosed } from '../fail-closed.js';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';
import { httpRouteSpecSchema, routeSalvageSchema } from './http-route-spec.js';

export const validHttpRouteSchema = z.object({
  apiVersion: z.literal([
    'policy.linkerd.io/v1beta3',
    'policy.linkerd.io/v1beta2',
    'policy.linkerd.io/v1beta1',
    'policy.linkerd.io/v1alpha1',
  ]),
  kind: z.literal('HTTPRoute'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: httpRouteSpecSchema,
});

export type ValidHttpRoute = z.infer<typeof validHttpRouteSchema>;

export const httpRouteSchema = failClosed(validHttpRouteSchema, routeSalvageSchema);

export type HttpRoute = z.infer<typeof httpRouteSchema>;

export const httpRouteKind: KindSpec<HttpRoute> = {
  kind: 'HTTPRoute', group: 'policy.linkerd.io', version: 'v1beta3', plural: 'httproutes', namespaced: true, optional: false,
  schema: httpRouteSchema,
};
