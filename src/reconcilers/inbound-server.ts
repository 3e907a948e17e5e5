/**
 * The inbound server one port of one pod gets: Linkerd's semantics, with a note for every choice.
 *
 * - A Server in the pod's namespace selects the port when its podSelector matches the pod's labels
 *   and its port is the number or a container port name that resolves to it. Several: an invalid
 *   one wins (fail closed), then the oldest, then the first by name; the others get a note.
 * - A selected port gets the Server's protocol and the authorizations of ServerAuthorizations that
 *   select the Server and AuthorizationPolicies that target it or its Namespace, plus its
 *   `accessPolicy` when that is not `deny`. Its routes are the HTTPRoutes (GRPCRoutes for gRPC)
 *   attached to it, or, when none is, a catch-all `default` route and a `probe` route.
 * - A port no Server selects gets the pod's default policy (pod annotation, namespace annotation,
 *   cluster default), the opaque protocol if the port is opaque (detection otherwise), and the
 *   `default` and `probe` routes. The probe route admits anyone to the pod's HTTP probe paths
 *   (GET, exact path), even under `deny`.
 * - A Server that failed validation admits nothing on the port it names (every pod in its namespace
 *   when its selector cannot be read), or on every port of every pod in its namespace when even
 *   its port cannot be read.
 */
import { isInvalid } from '../informers/fail-closed.js';
import type { AuthorizationPolicy } from '../informers/kinds/authorization-policy.js';
import type { Pod } from '../informers/kinds/pod.js';
import type { ServerAuthorization } from '../informers/kinds/server-authorization.js';
import type { ProxyProtocol, Server, ServerSalvage, ValidServer } from '../informers/kinds/server.js';
import type { ResourceId } from '../informers/object.js';
import { type LabelSelector, selectorMatches } from '../store/label-selector.js';
import type { StoreView } from '../store/store-view.js';
import { authorizationPolicyRef, fromAuthorizationPolicy, fromServerAuthorization, policyGroup, resourceRef, serverAuthorizationRef } from './client-authorizations.js';
import { allNetworks, defaultAuthorizations, policyForPort } from './default-policy.js';
import type { Authorization, InboundHttpRoute, InboundProtocol, InboundServer, PolicyNote } from './inbound-model.js';
import { isDefaultPolicyName } from './inbound-model.js';
import { inboundGrpcRoutes, inboundHttpRoutes } from './inbound-routes.js';
import type { MeshConfig } from './mesh-config.js';
import { type PodPolicyFacts, portNameOf, portsNamed } from './pod-policy-facts.js';
import { parsePortSet } from './port-set.js';

export const servers = 'servers.policy.linkerd.io' as ResourceId;
export const serverAuthorizations = 'serverauthorizations.policy.linkerd.io' as ResourceId;
export const authorizationPolicies = 'authorizationpolicies.policy.linkerd.io' as ResourceId;

/**
 * What a Server targets: its port and pod selector. An invalid one targets what its salvaged
 * fields say (a selector Sinew could not read counts as every pod), or every port of every pod
 * in its namespace when even its port did not parse.
 */
export function serverScope(server: Server): ServerScope | undefined {
  if (!isInvalid(server)) return { port: server.spec.port, pods: server.spec.podSelector ?? 'none' };
  const salvaged = server.salvaged as ServerSalvage | undefined;
  return salvaged === undefined ? undefined : { port: salvaged.spec.port, pods: salvaged.spec.podSelector ?? 'all' };
}

export interface ServerScope {
  readonly port: number | string;
  /** `none`: external workloads only. */
  readonly pods: LabelSelector | 'all' | 'none';
}

/** Whether a Server may select this port of this pod. */
export function serverSelects(server: Server, podLabels: Readonly<Record<string, string>> | undefined, facts: PodPolicyFacts, port: number): boolean {
  const scope = serverScope(server);
  if (scope === undefined) return true;
  if (scope.pods === 'none' || (scope.pods !== 'all' && !selectorMatches(scope.pods, podLabels))) return false;
  return typeof scope.port === 'number' ? scope.port === port : portsNamed(facts.portNames, scope.port).includes(port);
}

/** The Servers that select a port, the one that applies first. */
export function selectingServers(view: StoreView, pod: Pod, facts: PodPolicyFacts, port: number): readonly Server[] {
  const found = view.list<Server>(servers, pod.metadata.namespace).filter((server) => serverSelects(server, pod.metadata.labels, facts, port));
  return [...found].sort((a, b) => {
    const invalid = Number(isInvalid(b)) - Number(isInvalid(a));
    if (invalid !== 0) return invalid;
    const at = a.metadata.creationTimestamp ?? '';
    const bt = b.metadata.creationTimestamp ?? '';
    if (at !== bt) return at < bt ? -1 : 1;
    return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
  });
}

export function inboundServer(view: StoreView, config: MeshConfig, pod: Pod, facts: PodPolicyFacts, port: number): InboundServer {
  const [chosen, ...shadowed] = selectingServers(view, pod, facts, port);
  if (chosen === undefined) return defaultServer(config, facts, port);
  const shadowNotes: PolicyNote[] = shadowed.map((server) => ({
    ref: resourceRef('Server', server.metadata.namespace ?? '', server.metadata.name),
    applied: false,
    reason: `also selects port ${port}, but Server ${chosen.metadata.name} applies (invalid first, then oldest, then by name)`,
  }));
  const server = isInvalid(chosen) ? invalidServer(config, chosen.metadata.namespace ?? '', chosen.metadata.name, chosen.invalid)
    : resourceServer(view, config, chosen, facts, port);
  return { ...server, notes: [...server.notes, ...shadowNotes] };
}

/** The server for a port no Server selects: the pod's default policy. */
export function defaultServer(config: MeshConfig, facts: PodPolicyFacts, port: number): InboundServer {
  const portName = portNameOf(facts, port);
  const chosen = facts.defaultPolicy;
  const policy = policyForPort(chosen.name, facts.requireIdentityPorts, port, portName);
  const notes: PolicyNote[] = [
    ...chosen.skipped.map((reason) => ({ ref: { kind: 'default', name: chosen.name } as const, applied: false, reason })),
    {
      ref: { kind: 'default', name: policy },
      applied: true,
      reason: `no Server selects port ${port}; the default policy ${chosen.name} comes from the ${chosen.source}`
        + (policy === chosen.name ? '' : `, and the port requires identity (${'config.linkerd.io/proxy-require-identity-inbound-ports'})`),
    },
  ];
  const opaque = parsePortSet(facts.opaquePorts).has(port, portName);
  return {
    ref: { kind: 'default', name: policy },
    protocol: opaque ? 'opaque' : 'detect',
    detectTimeoutMs: config.detectTimeoutMs,
    authorizations: defaultAuthorizations(policy, config),
    httpRoutes: opaque ? [] : defaultRoutes(facts, port),
    grpcRoutes: [],
    notes,
  };
}

/** A catch-all route with no authorizations of its own, and the probe route when the port has probes. */
function defaultRoutes(facts: PodPolicyFacts, port: number): readonly InboundHttpRoute[] {
  const routes: InboundHttpRoute[] = [{ ref: { kind: 'default', name: 'default' }, hosts: [], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], filters: [] }], authorizations: [] }];
  const paths = facts.probePaths[String(port)] ?? [];
  if (paths.length > 0) {
    routes.push({
      ref: { kind: 'default', name: 'probe' },
      hosts: [],
      rules: [{ matches: paths.map((path) => ({ path: { type: 'Exact' as const, value: path }, method: 'GET' as const })), filters: [] }],
      authorizations: [{ ref: { kind: 'default', name: 'probe' }, networks: allNetworks, authentication: { kind: 'unauthenticated' } }],
    });
  }
  return routes;
}

function invalidServer(config: MeshConfig, namespace: string, name: string, reason: string): InboundServer {
  return {
    ref: resourceRef('Server', namespace, name),
    protocol: 'detect',
    detectTimeoutMs: config.detectTimeoutMs,
    authorizations: [],
    httpRoutes: [],
    grpcRoutes: [],
    notes: [{ ref: resourceRef('Server', namespace, name), applied: true, reason: `is invalid (${reason}), so it admits nothing on the ports it may select` }],
  };
}

const protocols: Readonly<Record<ProxyProtocol, InboundProtocol>> = {
  unknown: 'detect', 'HTTP/1': 'http1', 'HTTP/2': 'http2', gRPC: 'grpc', opaque: 'opaque', TLS: 'tls',
};

function resourceServer(view: StoreView, config: MeshConfig, server: ValidServer, facts: PodPolicyFacts, port: number): InboundServer {
  const { namespace, name } = server.metadata;
  const notes: PolicyNote[] = [{ ref: resourceRef('Server', namespace, name), applied: true, reason: `selects port ${port} of pod ${facts.pod}` }];
  const authorizations = serverAuthorizationsOf(view, config, server, notes);
  const access = server.spec.accessPolicy;
  if (access !== undefined && access !== 'deny') {
    if (isDefaultPolicyName(access)) {
      authorizations.push(...defaultAuthorizations(access, config));
      notes.push({ ref: { kind: 'default', name: access }, applied: true, reason: `the Server's accessPolicy admits what ${access} admits` });
    } else {
      notes.push({ ref: { kind: 'default', name: access }, applied: false, reason: `the Server's accessPolicy ${JSON.stringify(access)} is not a default policy, so it is treated as deny` });
    }
  }
  const protocol = protocols[server.spec.proxyProtocol ?? 'unknown'];
  const base = { ref: resourceRef('Server', namespace, name), protocol, detectTimeoutMs: config.detectTimeoutMs, authorizations };
  if (protocol === 'opaque' || protocol === 'tls') return { ...base, httpRoutes: [], grpcRoutes: [], notes };
  if (protocol === 'grpc') {
    const grpc = inboundGrpcRoutes(view, config, namespace, name);
    notes.push(...grpc.notes);
    const routes = grpc.attached ? grpc.routes
      : [{ ref: { kind: 'default', name: 'default' } as const, hosts: [], rules: [{ matches: [], filters: [] }], authorizations: [] }];
    return { ...base, httpRoutes: [], grpcRoutes: routes, notes };
  }
  const http = inboundHttpRoutes(view, config, namespace, name);
  notes.push(...http.notes);
  return { ...base, httpRoutes: http.attached ? http.routes : defaultRoutes(facts, port), grpcRoutes: [], notes };
}

function serverAuthorizationsOf(view: StoreView, config: MeshConfig, server: ValidServer, notes: PolicyNote[]): Authorization[] {
  const { namespace, name } = server.metadata;
  const out: Authorization[] = [];
  for (const authz of view.list<ServerAuthorization>(serverAuthorizations, namespace)) {
    if (isInvalid(authz)) {
      notes.push({ ref: serverAuthorizationRef(authz), applied: false, reason: `is invalid (${authz.invalid}), so it admits no one` });
      continue;
    }
    const target = authz.spec.server;
    const selects = target.name !== undefined ? target.name === name : target.selector !== undefined && selectorMatches(target.selector, server.metadata.labels);
    if (!selects) continue;
    const translated = fromServerAuthorization(authz, config);
    if (translated.ok) out.push(translated.authorization);
    notes.push({ ref: serverAuthorizationRef(authz), applied: translated.ok, reason: translated.ok ? `selects Server ${name}` : `selects Server ${name} but grants nothing: ${translated.reason}` });
  }
  for (const policy of view.list<AuthorizationPolicy>(authorizationPolicies, namespace)) {
    if (isInvalid(policy)) {
      notes.push({ ref: authorizationPolicyRef(policy), applied: false, reason: `is invalid (${policy.invalid}), so it admits no one` });
      continue;
    }
    const target = policy.spec.targetRef;
    const group = target.group ?? '';
    const onServer = target.kind === 'Server' && group === policyGroup && target.name === name;
    const onNamespace = target.kind === 'Namespace' && group === '' && target.name === namespace;
    if (!onServer && !onNamespace) continue;
    const translated = fromAuthorizationPolicy(view, policy, config);
    if (translated.ok) out.push(translated.authorization);
    const what = onServer ? `Server ${name}` : `every Server in namespace ${namespace}`;
    notes.push({ ref: authorizationPolicyRef(policy), applied: translated.ok, reason: translated.ok ? `targets ${what}` : `targets ${what} but grants nothing: ${translated.reason}` });
  }
  return out;
}
