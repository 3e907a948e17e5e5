/**
 * Builders for Linkerd policy objects as a user would write them (plain API JSON, no
 * resourceVersion), for tests and benchmarks.
 */
type Json = Record<string, unknown>;

function meta(namespace: string, name: string, extra: Json = {}): Json {
  return { name, namespace, ...extra };
}

export function server(namespace: string, name: string, spec: Json, created = '2026-01-01T00:00:00Z'): Json {
  return { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: meta(namespace, name, { creationTimestamp: created }), spec };
}

export function authorizationPolicy(namespace: string, name: string, targetRef: Json, requiredAuthenticationRefs: readonly Json[]): Json {
  return { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'AuthorizationPolicy', metadata: meta(namespace, name), spec: { targetRef, requiredAuthenticationRefs } };
}

export function serverTarget(name: string): Json {
  return { group: 'policy.linkerd.io', kind: 'Server', name };
}

export function meshTlsAuthentication(namespace: string, name: string, spec: Json): Json {
  return { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'MeshTLSAuthentication', metadata: meta(namespace, name), spec };
}

export function meshTlsRef(name: string, namespace?: string): Json {
  return { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name, ...(namespace === undefined ? {} : { namespace }) };
}

export function networkAuthentication(namespace: string, name: string, networks: readonly Json[]): Json {
  return { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'NetworkAuthentication', metadata: meta(namespace, name), spec: { networks } };
}

export function networkRef(name: string): Json {
  return { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name };
}

export function serverAuthorization(namespace: string, name: string, spec: Json): Json {
  return { apiVersion: 'policy.linkerd.io/v1beta1', kind: 'ServerAuthorization', metadata: meta(namespace, name), spec };
}

export function httpRoute(namespace: string, name: string, serverName: string, rules: readonly Json[], created = '2026-01-01T00:00:00Z'): Json {
  return {
    apiVersion: 'policy.linkerd.io/v1beta3', kind: 'HTTPRoute', metadata: meta(namespace, name, { creationTimestamp: created }),
    spec: { parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: serverName }], rules },
  };
}

export interface MeshedPodOptions {
  readonly ip: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly serviceAccount?: string;
  /** Container ports (name → number); default `http: 8080`. */
  readonly ports?: Record<string, number>;
  /** HTTP probe paths on the first port. */
  readonly probes?: readonly string[];
}

/** A pod with a proxy (the control-plane-ns label), container ports and HTTP probes. */
export function meshedPod(namespace: string, name: string, options: MeshedPodOptions): Json {
  const ports = Object.entries(options.ports ?? { http: 8080 });
  const [probePaths = []] = [options.probes ?? ['/ready', '/live']];
  const firstPort = ports[0]?.[1] ?? 8080;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace,
      labels: { app: name, 'linkerd.io/control-plane-ns': 'linkerd', ...(options.labels ?? {}) },
      annotations: options.annotations ?? {},
    },
    spec: {
      serviceAccountName: options.serviceAccount ?? name,
      containers: [{
        name: 'app', image: 'example/app:1',
        ports: ports.map(([portName, containerPort]) => ({ name: portName, containerPort, protocol: 'TCP' })),
        ...(probePaths[0] === undefined ? {} : { readinessProbe: { httpGet: { path: probePaths[0], port: firstPort } } }),
        ...(probePaths[1] === undefined ? {} : { livenessProbe: { httpGet: { path: probePaths[1], port: firstPort } } }),
      }],
    },
    status: { phase: 'Running', podIP: options.ip, podIPs: [{ ip: options.ip }] },
  };
}

export function annotatedNamespace(name: string, annotations: Record<string, string> = {}): Json {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations, labels: { 'kubernetes.io/metadata.name': name } } };
}
