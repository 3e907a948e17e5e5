/**
 * Every kind Sinew watches, in a stable order: core and workload kinds, then Linkerd policy, then
 * Gateway API routes (optional: their CRDs may be absent), then ServiceProfiles.
 */
import type { KindSpec } from '../kind.js';
import { authorizationPolicyKind } from './authorization-policy.js';
import { endpointSliceKind } from './endpoint-slice.js';
import { gatewayHttpRouteKind } from './gateway-http-route.js';
import { grpcRouteKind } from './grpc-route.js';
import { httpRouteKind } from './http-route.js';
import { jobKind } from './job.js';
import { meshTlsAuthenticationKind } from './mesh-tls-authentication.js';
import { namespaceKind } from './namespace.js';
import { networkAuthenticationKind } from './network-authentication.js';
import { nodeKind } from './node.js';
import { podKind } from './pod.js';
import { replicaSetKind } from './replica-set.js';
import { serverAuthorizationKind } from './server-authorization.js';
import { serverKind } from './server.js';
import { serviceProfileKind } from './service-profile.js';
import { serviceKind } from './service.js';

export {
  authorizationPolicyKind,
  endpointSliceKind,
  gatewayHttpRouteKind,
  grpcRouteKind,
  httpRouteKind,
  jobKind,
  meshTlsAuthenticationKind,
  namespaceKind,
  networkAuthenticationKind,
  nodeKind,
  podKind,
  replicaSetKind,
  serverAuthorizationKind,
  serverKind,
  serviceKind,
  serviceProfileKind,
};

export const allKinds: readonly KindSpec[] = [
  namespaceKind,
  nodeKind,
  podKind,
  serviceKind,
  endpointSliceKind,
  replicaSetKind,
  jobKind,
  serverKind,
  serverAuthorizationKind,
  authorizationPolicyKind,
  meshTlsAuthenticationKind,
  networkAuthenticationKind,
  httpRouteKind,
  gatewayHttpRouteKind,
  grpcRouteKind,
  serviceProfileKind,
];
