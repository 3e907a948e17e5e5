/**
 * Linkerd's default inbound policies: which one applies to a pod, and the authorizations each
 * stands for.
 *
 * Precedence: the pod's `config.linkerd.io/default-inbound-policy` annotation (the injector copies
 * a workload's annotation onto its pods), then its namespace's, then the cluster default. A value
 * that is not a policy name means `deny` at that level (fail closed, DESIGN.md rule 7: a typo such
 * as `denny` must not become the namespace's `all-unauthenticated`), with a note saying so.
 * `config.linkerd.io/proxy-require-identity-inbound-ports` turns an `*-unauthenticated` default
 * into its `*-authenticated` twin on the ports it lists.
 */
import type { MeshConfig } from './mesh-config.js';
import { type Authorization, type DefaultPolicyName, isDefaultPolicyName, type NetworkRule } from './inbound-model.js';
import { parsePortSet } from './port-set.js';

export const defaultInboundPolicyAnnotation = 'config.linkerd.io/default-inbound-policy';
export const requireIdentityPortsAnnotation = 'config.linkerd.io/proxy-require-identity-inbound-ports';

export type DefaultPolicySource = 'pod annotation' | 'namespace annotation' | 'cluster default';

export interface ChosenDefaultPolicy {
  readonly name: DefaultPolicyName;
  readonly source: DefaultPolicySource;
  /** Why the source's value was not used as written, e.g. `pod annotation "allow-all" is not a default policy, so deny`. */
  readonly skipped: readonly string[];
}

export function chooseDefaultPolicy(podAnnotations: Readonly<Record<string, string>> | undefined,
  namespaceAnnotations: Readonly<Record<string, string>> | undefined, clusterDefault: string): ChosenDefaultPolicy {
  const candidates: readonly (readonly [DefaultPolicySource, string | undefined])[] = [
    ['pod annotation', podAnnotations?.[defaultInboundPolicyAnnotation]],
    ['namespace annotation', namespaceAnnotations?.[defaultInboundPolicyAnnotation]],
  ];
  const [source, value] = candidates.find(([, candidate]) => candidate !== undefined) ?? ['cluster default', clusterDefault];
  const name = (value ?? '').trim();
  if (isDefaultPolicyName(name)) return { name, source, skipped: [] };
  return { name: 'deny', source, skipped: [`the ${source} ${JSON.stringify(value)} is not a default policy, so it means deny`] };
}

/** The policy in force on one port: `*-unauthenticated` becomes `*-authenticated` where identity is required. */
export function policyForPort(policy: DefaultPolicyName, requireIdentityPorts: string, port: number, portName?: string): DefaultPolicyName {
  if (!parsePortSet(requireIdentityPorts).has(port, portName)) return policy;
  if (policy === 'all-unauthenticated') return 'all-authenticated';
  if (policy === 'cluster-unauthenticated') return 'cluster-authenticated';
  return policy;
}

export const allNetworks: readonly NetworkRule[] = [{ net: '0.0.0.0/0', except: [] }, { net: '::/0', except: [] }];

export function clusterNetworks(config: MeshConfig): readonly NetworkRule[] {
  return config.clusterNetworks.map((net) => ({ net, except: [] }));
}

/** The authorizations a default policy stands for (none for `deny`). `audit` admits all, flagged by its name. */
export function defaultAuthorizations(policy: DefaultPolicyName, config: MeshConfig): readonly Authorization[] {
  const ref = { kind: 'default', name: policy } as const;
  switch (policy) {
    case 'deny': return [];
    case 'audit':
    case 'all-unauthenticated': return [{ ref, networks: allNetworks, authentication: { kind: 'unauthenticated' } }];
    case 'cluster-unauthenticated': return [{ ref, networks: clusterNetworks(config), authentication: { kind: 'unauthenticated' } }];
    case 'all-authenticated': return [{ ref, networks: allNetworks, authentication: { kind: 'identities', identities: [], suffixes: [[]] } }];
    case 'cluster-authenticated': return [{ ref, networks: clusterNetworks(config), authentication: { kind: 'identities', identities: [], suffixes: [[]] } }];
  }
}
