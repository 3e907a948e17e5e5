/**
 * References between policy objects by group and kind, compared as Linkerd's policy controller
 * compares them: group and kind case-insensitively, an absent group meaning the core group
 * (written `""` or `core`).
 *
 * Pure.
 */

export interface GroupKind {
  /** '' for the core group. */
  readonly group: string;
  readonly kind: string;
}

export interface KindRef {
  readonly group?: string | undefined;
  readonly kind: string;
}

/** The kinds policy objects refer to, and the webhooks admit. */
export const groupKinds = {
  server: { group: 'policy.linkerd.io', kind: 'Server' },
  serverAuthorization: { group: 'policy.linkerd.io', kind: 'ServerAuthorization' },
  authorizationPolicy: { group: 'policy.linkerd.io', kind: 'AuthorizationPolicy' },
  meshTlsAuthentication: { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication' },
  networkAuthentication: { group: 'policy.linkerd.io', kind: 'NetworkAuthentication' },
  linkerdHttpRoute: { group: 'policy.linkerd.io', kind: 'HTTPRoute' },
  egressNetwork: { group: 'policy.linkerd.io', kind: 'EgressNetwork' },
  gatewayHttpRoute: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
  grpcRoute: { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' },
  serviceProfile: { group: 'linkerd.io', kind: 'ServiceProfile' },
  namespace: { group: '', kind: 'Namespace' },
  serviceAccount: { group: '', kind: 'ServiceAccount' },
  service: { group: '', kind: 'Service' },
} as const satisfies Readonly<Record<string, GroupKind>>;

function normalGroup(group: string | undefined): string {
  const lower = (group ?? '').toLowerCase();
  return lower === 'core' ? '' : lower;
}

/** True when `ref` (a reference, or a request's kind) names objects of kind `target`. */
export function refersTo(ref: KindRef, target: GroupKind): boolean {
  return normalGroup(ref.group) === normalGroup(target.group) && ref.kind.toLowerCase() === target.kind.toLowerCase();
}

/**
 * `Server.policy.linkerd.io`, or `ServiceAccount of the core group`: for messages, which must make
 * plain that a reference without a group is to the core group (`kind: Server` alone is no Server).
 */
export function canonicalKind(ref: KindRef): string {
  if (normalGroup(ref.group) !== '') return `${ref.kind}.${ref.group ?? ''}`;
  return `${ref.kind} of the core group${ref.group === undefined ? ' (no group given)' : ''}`;
}
