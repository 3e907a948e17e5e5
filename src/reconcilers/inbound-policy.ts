/**
 * Inbound policy: per pod, the server each of its ports gets (inbound-server.ts has the rules).
 *
 * Key: `<namespace>/<pod>`. Items: `facts` (the pod's default policy and port facts, from which
 * any port's default server is built), `port:<n>` for each port a Server selects (of those the pod
 * declares, probes or a Server names by number), and `blanket` when an invalid Server may select
 * any port (its port did not parse; it then applies to every port without an item). A port no
 * Server selects has no item of its own: its server is a pure function of `facts`, so the view
 * stays small (most pods have one item). `inboundServerForPort` is the one
 * lookup every reader uses, so the gRPC stream, diagnostics and `--explain` cannot disagree.
 *
 * `affected` over-approximates: a policy resource that cannot say what it targets (invalid)
 * touches every pod in its namespace; an authentication touches the pods of every policy that
 * requires it.
 */
import { isInvalid } from '../informers/fail-closed.js';
import { objectKey } from '../informers/kind.js';
import type { AuthorizationPolicy } from '../informers/kinds/authorization-policy.js';
import type { Pod } from '../informers/kinds/pod.js';
import type { ServerAuthorization } from '../informers/kinds/server-authorization.js';
import type { Server } from '../informers/kinds/server.js';
import type { ProjectedObject, ResourceId } from '../informers/object.js';
import { selectorMatches } from '../store/label-selector.js';
import type { StoreChange } from '../store/store.js';
import type { StoreView } from '../store/store-view.js';
import { snapshotOf } from '../streams/snapshot.js';
import { policyGroup, sameKind } from './client-authorizations.js';
import type { InboundServer } from './inbound-model.js';
import { gatewayHttpRoutes, grpcRoutes, linkerdHttpRoutes, routeServerNames } from './inbound-routes.js';
import { authorizationPolicies, defaultServer, inboundServer, selectingServers, serverAuthorizations, servers, serverScope } from './inbound-server.js';
import type { MeshConfig } from './mesh-config.js';
import { type PodPolicyFacts, podPolicyFacts } from './pod-policy-facts.js';
import type { Reconciler } from './reconciler.js';

export type InboundItem = PodPolicyFacts | InboundServer;

const pods = 'pods' as ResourceId;
const namespaces = 'namespaces' as ResourceId;
const meshTlsAuthentications = 'meshtlsauthentications.policy.linkerd.io' as ResourceId;
const networkAuthentications = 'networkauthentications.policy.linkerd.io' as ResourceId;

export function inboundPolicyReconciler(config: MeshConfig): Reconciler<InboundItem> {
  return {
    name: 'inbound',
    affected: (change, view) => affectedPods(change, view),
    reconcile(view, key) {
      const [namespace = '', name = ''] = key.split('/');
      const pod = view.get<Pod>(objectKey(pods, namespace, name));
      if (pod === undefined) return undefined;
      const facts = podPolicyFacts(view, config, pod);
      const entries: (readonly [string, InboundItem])[] = [['facts', facts]];
      for (const port of inboundPorts(view, pod, facts)) {
        if (selectingServers(view, pod, facts, port).some((server) => serverScope(server) !== undefined)) {
          entries.push([`port:${port}`, inboundServer(view, config, pod, facts, port)]);
        }
      }
      const blanket = view.list<Server>(servers, pod.metadata.namespace).find((server) => serverScope(server) === undefined);
      if (blanket !== undefined) entries.push(['blanket', inboundServer(view, config, pod, facts, 0)]);
      return snapshotOf(entries);
    },
    *keys(view) {
      for (const pod of view.list<Pod>(pods)) yield `${pod.metadata.namespace}/${pod.metadata.name}`;
    },
  };
}

/** What a view's items say a port gets: its own item, else the blanket, else the default server. */
export function inboundServerForPort(config: MeshConfig, items: ReadonlyMap<string, unknown>, port: number): InboundServer | undefined {
  const listed = items.get(`port:${port}`) ?? items.get('blanket');
  if (listed !== undefined) return listed as InboundServer;
  const facts = items.get('facts') as PodPolicyFacts | undefined;
  return facts === undefined ? undefined : defaultServer(config, facts, port);
}

/** The ports of a pod policy knows about: declared by a container, probed, or named by a Server's number. */
export function inboundPorts(view: StoreView, pod: Pod, facts: PodPolicyFacts): number[] {
  const ports = new Set<number>(Object.values(facts.portNames).flat());
  for (const container of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
    for (const port of container.ports ?? []) ports.add(port.containerPort);
  }
  for (const port of Object.keys(facts.probePaths)) ports.add(Number(port));
  for (const server of view.list<Server>(servers, pod.metadata.namespace)) {
    const scope = serverScope(server);
    if (scope === undefined || typeof scope.port !== 'number' || scope.pods === 'none') continue;
    if (scope.pods === 'all' || selectorMatches(scope.pods, pod.metadata.labels)) ports.add(scope.port);
  }
  return [...ports].sort((a, b) => a - b);
}

function podKey(pod: ProjectedObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

function* podsOfNamespace(view: StoreView, namespace: string | undefined): Iterable<string> {
  for (const pod of view.list(pods, namespace)) yield podKey(pod);
}

function* podsOfServer(view: StoreView, server: Server): Iterable<string> {
  const scope = serverScope(server);
  if (scope?.pods === 'none') return;
  if (scope === undefined || scope.pods === 'all') {
    yield* podsOfNamespace(view, server.metadata.namespace);
    return;
  }
  for (const pod of view.select(pods, server.metadata.namespace, scope.pods)) yield podKey(pod);
}

function* podsOfServerNamed(view: StoreView, namespace: string, name: string): Iterable<string> {
  const server = view.get<Server>(objectKey(servers, namespace, name));
  if (server !== undefined) yield* podsOfServer(view, server);
}

function* podsOfRoute(view: StoreView, route: ProjectedObject): Iterable<string> {
  const namespace = route.metadata.namespace ?? '';
  const names = routeServerNames(route as Parameters<typeof routeServerNames>[0]);
  if (names === undefined) {
    yield* podsOfNamespace(view, namespace);
    return;
  }
  for (const name of names) yield* podsOfServerNamed(view, namespace, name);
}

function* podsOfPolicy(view: StoreView, policy: AuthorizationPolicy): Iterable<string> {
  const namespace = policy.metadata.namespace ?? '';
  if (isInvalid(policy)) {
    yield* podsOfNamespace(view, namespace);
    return;
  }
  const target = policy.spec.targetRef;
  if (target.kind === 'Server' && (target.group ?? '') === policyGroup) yield* podsOfServerNamed(view, namespace, target.name);
  else if (target.kind === 'Namespace') yield* podsOfNamespace(view, namespace);
  else {
    const resource = target.kind === 'GRPCRoute' ? grpcRoutes : (target.group ?? '') === policyGroup ? linkerdHttpRoutes : gatewayHttpRoutes;
    const route = view.get(objectKey(resource, namespace, target.name));
    if (route !== undefined) yield* podsOfRoute(view, route);
  }
}

function* podsOfServerAuthorization(view: StoreView, authz: ServerAuthorization): Iterable<string> {
  const namespace = authz.metadata.namespace ?? '';
  if (isInvalid(authz)) {
    yield* podsOfNamespace(view, namespace);
    return;
  }
  for (const server of view.list<Server>(servers, namespace)) {
    const target = authz.spec.server;
    const selects = target.name !== undefined ? target.name === server.metadata.name
      : target.selector !== undefined && selectorMatches(target.selector, server.metadata.labels);
    if (selects) yield* podsOfServer(view, server);
  }
}

function* podsOfAuthentication(view: StoreView, kind: string, object: ProjectedObject): Iterable<string> {
  for (const policy of view.list<AuthorizationPolicy>(authorizationPolicies)) {
    if (isInvalid(policy)) continue;
    const requires = policy.spec.requiredAuthenticationRefs.some((ref) => sameKind(ref, policyGroup, kind) && ref.name === object.metadata.name
      && (ref.namespace ?? policy.metadata.namespace) === object.metadata.namespace);
    if (requires) yield* podsOfPolicy(view, policy);
  }
}

function* affectedPods(change: StoreChange, view: StoreView): Iterable<string> {
  for (const object of [change.before, change.after]) {
    if (object === undefined) continue;
    switch (change.resource) {
      case pods: yield podKey(object); break;
      case namespaces: yield* podsOfNamespace(view, object.metadata.name); break;
      case servers: yield* podsOfServer(view, object as Server); break;
      case serverAuthorizations: yield* podsOfServerAuthorization(view, object as ServerAuthorization); break;
      case authorizationPolicies: yield* podsOfPolicy(view, object as AuthorizationPolicy); break;
      case meshTlsAuthentications: yield* podsOfAuthentication(view, 'MeshTLSAuthentication', object); break;
      case networkAuthentications: yield* podsOfAuthentication(view, 'NetworkAuthentication', object); break;
      case linkerdHttpRoutes: case gatewayHttpRoutes: case grpcRoutes: yield* podsOfRoute(view, object); break;
      default: break;
    }
  }
}
