/**
 * Builders for the Kubernetes objects tests and benchmarks feed the fake API server and event logs.
 * They return plain API JSON (as `kubectl get -o json` prints it), without resourceVersion.
 */
export interface PodOptions {
  readonly ip: string;
  readonly labels?: Record<string, string>;
  readonly node?: string;
  readonly serviceAccount?: string;
  readonly env?: readonly { name: string; value: string }[];
}

export function pod(namespace: string, name: string, options: PodOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels: options.labels ?? { app: name.replace(/-[^-]+$/, '') } },
    spec: {
      nodeName: options.node ?? 'node-1',
      serviceAccountName: options.serviceAccount ?? 'default',
      containers: [{
        name: 'app', image: 'example/app:1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: options.env ?? [{ name: 'SECRET_TOKEN', value: 'do-not-record' }],
        readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
      }],
    },
    status: { phase: 'Running', podIP: options.ip, podIPs: [{ ip: options.ip }] },
  };
}

export interface ServicePortOptions {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
}

export function service(namespace: string, name: string, ports: readonly ServicePortOptions[], clusterIP = '10.96.0.10'): Record<string, unknown> {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], selector: { app: name }, ports: ports.map((port) => ({ protocol: 'TCP', ...port })) },
  };
}

export interface SliceEndpoint {
  readonly ip: string;
  readonly ready?: boolean;
  readonly pod?: string;
}

export function endpointSlice(namespace: string, name: string, serviceName: string, endpoints: readonly SliceEndpoint[],
  ports: readonly { name?: string; port: number }[]): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    endpoints: endpoints.map((endpoint) => ({
      addresses: [endpoint.ip],
      conditions: { ready: endpoint.ready ?? true },
      ...(endpoint.pod === undefined ? {} : { targetRef: { kind: 'Pod', name: endpoint.pod, namespace } }),
    })),
    ports: ports.map((port) => ({ protocol: 'TCP', ...port })),
  };
}

export function namespace(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}
