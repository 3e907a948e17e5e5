/**
 * The checks Linkerd's policy validator makes of authorization objects beyond their schemas:
 * what an AuthorizationPolicy may target and require, what a MeshTLSAuthentication may refer to,
 * that a network's exceptions lie inside it, and that a ServerAuthorization does not ask for
 * mesh TLS and for none at once.
 *
 * Pure: each check takes a spec that already passed its schema and returns every problem found.
 */
import type { ValidAuthorizationPolicy } from '../informers/kinds/authorization-policy.js';
import type { ValidMeshTlsAuthentication } from '../informers/kinds/mesh-tls-authentication.js';
import type { Network, ValidNetworkAuthentication } from '../informers/kinds/network-authentication.js';
import type { ValidServerAuthorization } from '../informers/kinds/server-authorization.js';
import { exceptionProblem } from './cidr.js';
import { type Problem, problemAt } from './problems.js';
import { canonicalKind, type GroupKind, groupKinds, refersTo } from './refs.js';

const policyTargets: readonly GroupKind[] = [groupKinds.server, groupKinds.linkerdHttpRoute, groupKinds.gatewayHttpRoute, groupKinds.grpcRoute];

/** A policy targets a Server, an HTTPRoute or GRPCRoute, or its own Namespace. */
function targetProblems(spec: ValidAuthorizationPolicy['spec'], namespace: string): Problem[] {
  const target = spec.targetRef;
  if (policyTargets.some((kind) => refersTo(target, kind))) return [];
  if (refersTo(target, groupKinds.namespace)) {
    return target.name === namespace ? [] : [problemAt(['spec', 'targetRef', 'name'], `cannot target another namespace: ${target.name}`)];
  }
  return [problemAt(['spec', 'targetRef', 'kind'],
    `invalid targetRef kind: ${canonicalKind(target)}, expected Server or HTTPRoute of policy.linkerd.io, HTTPRoute or GRPCRoute of gateway.networking.k8s.io, or Namespace`)];
}

/** At most one MeshTLSAuthentication or ServiceAccount (not both), at most one NetworkAuthentication, nothing else. */
function authenticationProblems(spec: ValidAuthorizationPolicy['spec']): Problem[] {
  const problems: Problem[] = [];
  const seen = { identity: '', network: false };
  spec.requiredAuthenticationRefs.forEach((ref, index) => {
    const at = (message: string) => problems.push(problemAt(['spec', 'requiredAuthenticationRefs', index, 'kind'], message));
    const identity = refersTo(ref, groupKinds.meshTlsAuthentication) ? 'MeshTLSAuthentication' : refersTo(ref, groupKinds.serviceAccount) ? 'ServiceAccount' : '';
    if (identity !== '') {
      if (seen.identity === identity) at(`only a single ${identity} may be set`);
      else if (seen.identity !== '') at('a MeshTLSAuthentication and a ServiceAccount may not be set together');
      seen.identity = identity;
    } else if (refersTo(ref, groupKinds.networkAuthentication)) {
      if (seen.network) at('only a single NetworkAuthentication may be set');
      seen.network = true;
    } else {
      at(`unsupported authentication kind: ${canonicalKind(ref)}, expected MeshTLSAuthentication or NetworkAuthentication of policy.linkerd.io, or ServiceAccount`);
    }
  });
  return problems;
}

export function authorizationPolicyProblems(spec: ValidAuthorizationPolicy['spec'], namespace: string): Problem[] {
  return [...targetProblems(spec, namespace), ...authenticationProblems(spec)];
}

/** identityRefs name ServiceAccounts, or Namespaces (which are cluster-scoped, so without a namespace). */
export function meshTlsAuthenticationProblems(spec: ValidMeshTlsAuthentication['spec']): Problem[] {
  const problems: Problem[] = [];
  (spec.identityRefs ?? []).forEach((ref, index) => {
    if (refersTo(ref, groupKinds.serviceAccount)) return;
    if (!refersTo(ref, groupKinds.namespace)) {
      problems.push(problemAt(['spec', 'identityRefs', index, 'kind'], `invalid identityRef kind: ${canonicalKind(ref)}, expected ServiceAccount or Namespace`));
    } else if (ref.namespace !== undefined) {
      problems.push(problemAt(['spec', 'identityRefs', index, 'namespace'], 'a Namespace identityRef is cluster-scoped and cannot have a namespace'));
    }
  });
  return problems;
}

/** Each exception lies inside its network and leaves some of it. */
export function networkProblems(networks: readonly Network[], path: readonly PropertyKey[]): Problem[] {
  const problems: Problem[] = [];
  networks.forEach((network, index) => {
    (network.except ?? []).forEach((except, exceptIndex) => {
      const problem = exceptionProblem(network.cidr, except);
      if (problem !== undefined) problems.push(problemAt([...path, index, 'except', exceptIndex], problem));
    });
  });
  return problems;
}

export function networkAuthenticationProblems(spec: ValidNetworkAuthentication['spec']): Problem[] {
  if (spec.networks.length === 0) return [problemAt(['spec', 'networks'], 'at least one network must be specified')];
  return networkProblems(spec.networks, ['spec', 'networks']);
}

export function serverAuthorizationProblems(spec: ValidServerAuthorization['spec']): Problem[] {
  const problems: Problem[] = [];
  const { meshTLS, unauthenticated, networks } = spec.client;
  if (meshTLS !== undefined && unauthenticated === true) {
    problems.push(problemAt(['spec', 'client', 'unauthenticated'], 'must be false when meshTLS is set'));
  }
  const named = (meshTLS?.identities?.length ?? 0) + (meshTLS?.serviceAccounts?.length ?? 0);
  if (meshTLS?.unauthenticatedTLS === true && named > 0) {
    problems.push(problemAt(['spec', 'client', 'meshTLS', 'unauthenticatedTLS'], 'must be false when identities or serviceAccounts are set'));
  }
  return [...problems, ...networkProblems(networks ?? [], ['spec', 'client', 'networks'])];
}
