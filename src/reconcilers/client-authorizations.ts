/**
 * Turns ServerAuthorizations and AuthorizationPolicies (with the MeshTLSAuthentications,
 * NetworkAuthentications and ServiceAccounts they require) into authorizations.
 *
 * Fail closed: a resource that is invalid, or that names something Sinew cannot resolve or does
 * not understand, yields no authorization (it never widens access) and a note saying why, which
 * `--explain` prints. Pure: reads the store view only.
 */
import { isInvalid } from '../informers/fail-closed.js';
import { objectKey } from '../informers/kind.js';
import type { AuthorizationPolicy, PolicyRef as ApiPolicyRef } from '../informers/kinds/authorization-policy.js';
import type { IdentityRef, MeshTlsAuthentication } from '../informers/kinds/mesh-tls-authentication.js';
import type { NetworkAuthentication } from '../informers/kinds/network-authentication.js';
import type { ServerAuthorization } from '../informers/kinds/server-authorization.js';
import type { ResourceId } from '../informers/object.js';
import type { StoreView } from '../store/store-view.js';
import { allNetworks, clusterNetworks } from './default-policy.js';
import type { Authentication, Authorization, NetworkRule, PolicyRef } from './inbound-model.js';
import { type MeshConfig, serviceAccountIdentity } from './mesh-config.js';

export const policyGroup = 'policy.linkerd.io';
const meshTlsAuthentications = 'meshtlsauthentications.policy.linkerd.io' as ResourceId;
const networkAuthentications = 'networkauthentications.policy.linkerd.io' as ResourceId;

/** An authorization, or the reason a resource grants nothing. */
export type Translation = { readonly ok: true; readonly authorization: Authorization } | { readonly ok: false; readonly reason: string };

export function resourceRef(resource: string, namespace: string, name: string, group = policyGroup): PolicyRef {
  return { kind: 'resource', group, resource, namespace, name };
}

export function serverAuthorizationRef(object: ServerAuthorization): PolicyRef {
  return resourceRef('ServerAuthorization', object.metadata.namespace ?? '', object.metadata.name);
}

export function authorizationPolicyRef(object: AuthorizationPolicy): PolicyRef {
  return resourceRef('AuthorizationPolicy', object.metadata.namespace ?? '', object.metadata.name);
}

export function fromServerAuthorization(object: ServerAuthorization, config: MeshConfig): Translation {
  if (isInvalid(object)) return { ok: false, reason: `invalid: ${object.invalid}` };
  const { client } = object.spec;
  const networks = client.networks === undefined || client.networks.length === 0 ? clusterNetworks(config) : client.networks.map(networkRule);
  const ref = serverAuthorizationRef(object);
  if (client.unauthenticated === true) return { ok: true, authorization: { ref, networks, authentication: { kind: 'unauthenticated' } } };
  const mesh = client.meshTLS;
  if (mesh === undefined) return { ok: false, reason: 'client sets neither unauthenticated nor meshTLS, so it admits no one' };
  if (mesh.unauthenticatedTLS === true) return { ok: true, authorization: { ref, networks, authentication: { kind: 'tls' } } };
  const names = [
    ...(mesh.identities ?? []),
    ...(mesh.serviceAccounts ?? []).map((account) => serviceAccountIdentity(config, account.namespace ?? object.metadata.namespace, account.name)),
  ];
  if (names.length === 0) return { ok: false, reason: 'meshTLS names no identities or service accounts, so it admits no one' };
  return { ok: true, authorization: { ref, networks, authentication: identityAuthentication(names) } };
}

/** Literal identities, `*` (any identity) and `*.suffix` patterns. */
export function identityAuthentication(names: readonly string[]): Authentication {
  const identities: string[] = [];
  const suffixes: string[][] = [];
  for (const name of names) {
    if (name === '*') suffixes.push([]);
    else if (name.startsWith('*.')) suffixes.push(name.slice(2).split('.'));
    else identities.push(name);
  }
  return { kind: 'identities', identities, suffixes };
}

export function networkRule(network: { readonly cidr: string; readonly except?: readonly string[] | undefined }): NetworkRule {
  return { net: network.cidr, except: network.except ?? [] };
}

/** Whether a reference names a kind: group exact (absent means core), kind in any case, as Linkerd compares. */
export function sameKind(ref: { readonly group?: string | undefined; readonly kind: string }, group: string, kind: string): boolean {
  return (ref.group ?? '') === group && ref.kind.toLowerCase() === kind.toLowerCase();
}

/**
 * An AuthorizationPolicy's authorization: every required authentication must hold, so the networks
 * come from its NetworkAuthentication (all networks without one) and the authentication from its
 * MeshTLSAuthentication or ServiceAccount (any client without one).
 */
export function fromAuthorizationPolicy(view: StoreView, object: AuthorizationPolicy, config: MeshConfig): Translation {
  if (isInvalid(object)) return { ok: false, reason: `invalid: ${object.invalid}` };
  const refs = object.spec.requiredAuthenticationRefs;
  if (refs.length === 0) return { ok: false, reason: 'requiredAuthenticationRefs is empty, so it admits no one' };
  let networks: readonly NetworkRule[] | undefined;
  let authentication: Authentication | undefined;
  for (const ref of refs) {
    const namespace = ref.namespace ?? object.metadata.namespace;
    const part = requiredAuthentication(view, ref, namespace, config);
    if (!part.ok) return part;
    if (part.networks !== undefined) {
      if (networks !== undefined) return { ok: false, reason: 'more than one NetworkAuthentication is required; Sinew does not combine them' };
      networks = part.networks;
    } else {
      if (authentication !== undefined) return { ok: false, reason: 'more than one identity authentication is required; Sinew does not combine them' };
      authentication = part.authentication;
    }
  }
  return {
    ok: true,
    authorization: { ref: authorizationPolicyRef(object), networks: networks ?? allNetworks, authentication: authentication ?? { kind: 'unauthenticated' } },
  };
}

type Part = { ok: true; networks?: readonly NetworkRule[]; authentication?: Authentication } | { ok: false; reason: string };

function requiredAuthentication(view: StoreView, ref: ApiPolicyRef, namespace: string, config: MeshConfig): Part {
  if (sameKind(ref, policyGroup, 'NetworkAuthentication')) {
    const target = view.get<NetworkAuthentication>(objectKey(networkAuthentications, namespace, ref.name));
    if (target === undefined) return { ok: false, reason: `NetworkAuthentication ${namespace}/${ref.name} not found` };
    if (isInvalid(target)) return { ok: false, reason: `NetworkAuthentication ${namespace}/${ref.name} is invalid: ${target.invalid}` };
    if (target.spec.networks.length === 0) return { ok: false, reason: `NetworkAuthentication ${namespace}/${ref.name} lists no networks` };
    return { ok: true, networks: target.spec.networks.map(networkRule) };
  }
  if (sameKind(ref, policyGroup, 'MeshTLSAuthentication')) {
    const target = view.get<MeshTlsAuthentication>(objectKey(meshTlsAuthentications, namespace, ref.name));
    if (target === undefined) return { ok: false, reason: `MeshTLSAuthentication ${namespace}/${ref.name} not found` };
    if (isInvalid(target)) return { ok: false, reason: `MeshTLSAuthentication ${namespace}/${ref.name} is invalid: ${target.invalid}` };
    const names: string[] = [...(target.spec.identities ?? [])];
    for (const identityRef of target.spec.identityRefs ?? []) {
      const name = identityRefName(identityRef, namespace, config);
      if (name === undefined) {
        return { ok: false, reason: `MeshTLSAuthentication ${namespace}/${ref.name} refers to ${identityRef.kind} ${JSON.stringify(identityRef.name ?? '(no name)')}, which names no identity` };
      }
      names.push(name);
    }
    if (names.length === 0) return { ok: false, reason: `MeshTLSAuthentication ${namespace}/${ref.name} names no identities` };
    return { ok: true, authentication: identityAuthentication(names) };
  }
  if (sameKind(ref, '', 'ServiceAccount')) {
    return { ok: true, authentication: identityAuthentication([serviceAccountIdentity(config, namespace, ref.name)]) };
  }
  return { ok: false, reason: `requires a ${ref.group === undefined || ref.group === '' ? '' : `${ref.group}/`}${ref.kind}, which is not an authentication` };
}

/**
 * A ServiceAccount (by name) or a Namespace (every account in it) as an identity or pattern.
 * Wildcard names are not Linkerd's and are refused rather than read as "everyone".
 */
function identityRefName(ref: IdentityRef, namespace: string, config: MeshConfig): string | undefined {
  const suffix = `serviceaccount.identity.${config.controllerNamespace}.${config.trustDomain}`;
  if (sameKind(ref, '', 'ServiceAccount')) {
    if (ref.name === undefined || ref.name.includes('*')) return undefined;
    return serviceAccountIdentity(config, ref.namespace ?? namespace, ref.name);
  }
  if (sameKind(ref, '', 'Namespace')) {
    const target = ref.name ?? ref.namespace ?? namespace;
    return target.includes('*') ? undefined : `*.${target}.${suffix}`;
  }
  return undefined;
}
