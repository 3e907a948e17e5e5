/**
 * `sinew authz [-n NS] RESOURCE`: the authorizations that apply to a workload's pods, one row per
 * route, server and authorization: ROUTE SERVER AUTHORIZATION_POLICY SERVER_AUTHORIZATION. Reads
 * the cluster from the API server (one list of each kind) and computes inbound policy with the
 * same code the control plane serves it with.
 */
import { objectKey } from '../informers/kind.js';
import type { Pod } from '../informers/kinds/pod.js';
import type { ResourceId } from '../informers/object.js';
import { createLogger } from '../observe/logger.js';
import { type Authorization, type InboundServer, type PolicyRef } from '../reconcilers/inbound-model.js';
import { inboundPolicyReconciler, inboundPorts, inboundServerForPort } from '../reconcilers/inbound-policy.js';
import type { PodPolicyFacts } from '../reconcilers/pod-policy-facts.js';
import { defaultMeshConfig } from '../reconcilers/mesh-config.js';
import { workloadOwner } from '../reconcilers/workload-owner.js';
import type { StoreView } from '../store/store-view.js';
import { oneOf, parse } from './args.js';
import { loadClusterState } from './cluster-state.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';

export const authzHelp = `Usage: sinew authz [flags] RESOURCE

Lists the authorizations that apply to the pods of RESOURCE: for each route of each server on
each of their ports, the AuthorizationPolicy or ServerAuthorization (or built-in default) that
admits clients. RESOURCE is TYPE/NAME or TYPE, where TYPE is pod, deployment, statefulset,
daemonset, replicaset or job (po, deploy, sts, ds, rs also work).

Flags:
  -n, --namespace NS        the resource's namespace (default "default")
      --kubeconfig FILE     kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
  -o, --output FORMAT       table (default) or json
  -h, --help                show this help
`;

const types: Readonly<Record<string, string>> = {
  po: 'pod', pod: 'pod', pods: 'pod',
  deploy: 'deployment', deployment: 'deployment', deployments: 'deployment',
  sts: 'statefulset', statefulset: 'statefulset', statefulsets: 'statefulset',
  ds: 'daemonset', daemonset: 'daemonset', daemonsets: 'daemonset',
  rs: 'replicaset', replicaset: 'replicaset', replicasets: 'replicaset',
  job: 'job', jobs: 'job',
};

export interface AuthzRow {
  readonly route: string;
  readonly server: string;
  readonly authorizationPolicy: string;
  readonly serverAuthorization: string;
}

const pods = 'pods' as ResourceId;

export async function authzCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(authzHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one RESOURCE (TYPE or TYPE/NAME), got ${positionals.length}`);
  const [typeText = '', name] = (positionals[0] ?? '').split('/');
  const type = types[typeText.toLowerCase()];
  if (type === undefined) throw new UsageError(`unknown resource type ${JSON.stringify(typeText)}; use pod, deployment, statefulset, daemonset, replicaset or job`);
  const output = oneOf('--output', values.output, ['table', 'json'] as const, 'table');
  const namespace = values.namespace ?? 'default';
  const log = createLogger({ level: 'warn', write: (line) => io.err(line + '\n') });
  const cluster = await loadClusterState(values.kubeconfig, log);
  try {
    const selected = selectPods(cluster.view, namespace, type, name);
    if (selected.length === 0) {
      io.err(`sinew authz: no pods of ${type}${name === undefined ? '' : `/${name}`} in namespace ${namespace}\n`);
      return 1;
    }
    const rows = authzRows(cluster.view, selected);
    io.out(output === 'json' ? JSON.stringify(rows, null, 2) + '\n' : table(rows));
    return 0;
  } finally {
    await cluster.close();
  }
}

function selectPods(view: StoreView, namespace: string, type: string, name: string | undefined): Pod[] {
  if (type === 'pod') {
    if (name === undefined) return [...view.list<Pod>(pods, namespace)];
    const pod = view.get<Pod>(objectKey(pods, namespace, name));
    return pod === undefined ? [] : [pod];
  }
  return view.list<Pod>(pods, namespace).filter((pod) => {
    const owner = workloadOwner(view, pod);
    return owner?.kind === type && (name === undefined || owner.name === name);
  });
}

function refLabel(ref: PolicyRef): string {
  return ref.kind === 'default' ? `default:${ref.name}` : ref.name;
}

/** One row per (route, server, authorization), deduplicated across pods and ports, sorted. */
export function authzRows(view: StoreView, selected: readonly Pod[]): AuthzRow[] {
  const reconciler = inboundPolicyReconciler(defaultMeshConfig);
  const rows = new Map<string, AuthzRow>();
  const add = (route: string, server: InboundServer, authorization: Authorization | undefined): void => {
    const isServerAuthorization = authorization?.ref.kind === 'resource' && authorization.ref.resource === 'ServerAuthorization';
    const row: AuthzRow = {
      route, server: refLabel(server.ref),
      authorizationPolicy: authorization === undefined || isServerAuthorization ? '' : refLabel(authorization.ref),
      serverAuthorization: authorization !== undefined && isServerAuthorization ? refLabel(authorization.ref) : '',
    };
    rows.set(JSON.stringify(row), row);
  };
  for (const pod of selected) {
    const snapshot = reconciler.reconcile(view, `${pod.metadata.namespace}/${pod.metadata.name}`);
    const items = new Map(snapshot?.items.map((item) => [item.name, item.value]));
    const facts = items.get('facts') as PodPolicyFacts | undefined;
    if (facts === undefined) continue;
    for (const port of inboundPorts(view, pod, facts)) {
      const server = inboundServerForPort(defaultMeshConfig, items, port);
      if (server === undefined) continue;
      const routes = [...server.httpRoutes, ...server.grpcRoutes];
      if (routes.length === 0) {
        if (server.authorizations.length === 0) add('*', server, undefined);
        for (const authorization of server.authorizations) add('*', server, authorization);
      }
      for (const route of routes) {
        const all = [...server.authorizations, ...route.authorizations];
        const routeName = route.ref.name;
        if (all.length === 0) add(routeName, server, undefined);
        for (const authorization of all) add(routeName, server, authorization);
      }
    }
  }
  return [...rows.values()].sort((a, b) => (a.server + a.route + a.authorizationPolicy + a.serverAuthorization).localeCompare(b.server + b.route + b.authorizationPolicy + b.serverAuthorization));
}

function table(rows: readonly AuthzRow[]): string {
  const header = ['ROUTE', 'SERVER', 'AUTHORIZATION_POLICY', 'SERVER_AUTHORIZATION'];
  const cells = [header, ...rows.map((row) => [row.route, row.server, row.authorizationPolicy, row.serverAuthorization])];
  const widths = header.map((_, column) => Math.max(...cells.map((line) => (line[column] ?? '').length)));
  return cells.map((line) => line.map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 2))).join('').trimEnd()).join('\n') + '\n';
}
