/**
 * The demo's application and where it runs on this machine: one namespace, four Services, six
 * workloads, and the loopback addresses that stand for pod and cluster IPs.
 *
 * - Pod IPs are 127.0.(70 + W).N, W the workload's index: traffic that went astray never leaves the
 *   machine. Each pod's proxy listens on its pod IP; its application on 127.0.(170 + W).N, where the
 *   proxy forwards inbound traffic (SINEW_PROXY_INBOUND_FORWARD_HOST).
 * - Cluster IPs are 127.0.79.S. A client pod reaches Service S on its own pod IP at port 9000 + S,
 *   a listener of its proxy that stands for the cluster IP (SINEW_PROXY_ORIGINAL_DST_MAP, where
 *   iptables would redirect on a node).
 * - Every port is unprivileged (Services answer on 80, but containers listen on 8080, nginx too):
 *   nothing needs root.
 *
 * Pure data: the event log generator (demo-events.ts) and the runner read the same values.
 */

export const demoNamespace = 'demo';
export const controlPlaneNamespace = 'linkerd';
export const trustDomain = 'cluster.local';
/** Every application container listens here (inside its pod's app address). */
export const containerPort = 8080;

export interface DemoService {
  readonly name: string;
  /** 1-based: the cluster IP is 127.0.79.index and clients reach it on port 9000 + index. */
  readonly index: number;
  readonly port: number;
}

export const demoServices: readonly DemoService[] = [
  { name: 'web', index: 1, port: 80 },
  { name: 'api', index: 2, port: 80 },
  { name: 'db', index: 3, port: 80 },
  { name: 'nginx', index: 4, port: 80 },
];

/**
 * What a workload's application does: `serve` answers; `relay` answers with what the Services it
 * calls answered (web calls api, api calls db); `load` sends requests at a fixed rate and counts
 * the answers (the load generator, and the intruder).
 */
export type AppRole = 'serve' | 'relay' | 'load';

export interface DemoWorkload {
  readonly name: string;
  /** 1-based: its pods' IPs are 127.0.(70 + index).N. */
  readonly index: number;
  readonly serviceAccount: string;
  readonly replicas: number;
  readonly role: AppRole;
  /** The Services its application calls, through its proxy. */
  readonly calls: readonly string[];
}

export const demoWorkloads: readonly DemoWorkload[] = [
  { name: 'web', index: 1, serviceAccount: 'web', replicas: 2, role: 'relay', calls: ['api'] },
  { name: 'api', index: 2, serviceAccount: 'api', replicas: 3, role: 'relay', calls: ['db'] },
  { name: 'db', index: 3, serviceAccount: 'db', replicas: 2, role: 'serve', calls: [] },
  // As `kubectl create deployment nginx --image=nginx --port=80` makes it: the default service account.
  { name: 'nginx', index: 4, serviceAccount: 'default', replicas: 2, role: 'serve', calls: [] },
  { name: 'traffic', index: 5, serviceAccount: 'traffic', replicas: 1, role: 'load', calls: ['web', 'nginx'] },
  { name: 'intruder', index: 6, serviceAccount: 'intruder', replicas: 1, role: 'load', calls: ['db'] },
];

/** The workload that the AuthorizationPolicy protects, and the only client it admits. */
export const protectedService = 'db';
export const admittedClient = 'api';
/** The workload whose pods are replaced during the run. */
export const rolledOutWorkload = 'api';

export function serviceNamed(name: string): DemoService {
  const service = demoServices.find((candidate) => candidate.name === name);
  if (service === undefined) throw new Error(`the demo has no Service ${JSON.stringify(name)}`);
  return service;
}

export function workloadNamed(name: string): DemoWorkload | undefined {
  return demoWorkloads.find((candidate) => candidate.name === name);
}

export const clusterIpOf = (service: DemoService): string => `127.0.79.${service.index}`;
/** The port on a client pod's IP that stands for the Service's cluster IP and port. */
export const clientPortOf = (service: DemoService): number => 9000 + service.index;
export const podIpOf = (workload: DemoWorkload, n: number): string => `127.0.${70 + workload.index}.${n}`;

/** Where a pod's application listens: its pod IP with 100 added to the third byte. */
export function appIpOf(podIp: string): string {
  const match = /^127\.0\.(\d+)\.(\d+)$/.exec(podIp);
  if (match === null || Number(match[1]) + 100 > 255) throw new Error(`${JSON.stringify(podIp)} is not a demo pod IP (127.0.X.Y with X ≤ 155)`);
  return `127.0.${Number(match[1]) + 100}.${match[2]}`;
}

/** `<sa>.<ns>.serviceaccount.identity.<control plane ns>.<trust domain>` */
export const identityOf = (serviceAccount: string, namespace = demoNamespace): string =>
  `${serviceAccount}.${namespace}.serviceaccount.identity.${controlPlaneNamespace}.${trustDomain}`;

/** The authority a client names in its requests: the Service's cluster DNS name and port. */
export const authorityOf = (service: DemoService): string => `${service.name}.${demoNamespace}.svc.cluster.local${service.port === 80 ? '' : `:${service.port}`}`;
