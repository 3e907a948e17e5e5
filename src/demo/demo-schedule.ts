/**
 * The demo's event log read ahead of time: which pods to run, when each starts and stops (its
 * ADDED and DELETED entries, in seconds after the first entry), when the rollout happens, and a
 * line of news for each change of an EndpointSlice (shown under the table as the log replays).
 *
 * Contract: pure reading of the log, through the same reader and projections as the control plane.
 * Only meshed pods (a `linkerd-proxy` container) of the demo's namespace are run; a meshed pod whose
 * `app` label names no demo workload, or whose IP is not a demo address, is a DemoScheduleError
 * naming the pod, as is a log without any meshed pod.
 */
import { readEventLog } from '../informers/event-log.js';
import { resourceId } from '../informers/kind.js';
import { allKinds, endpointSliceKind, podKind } from '../informers/kinds/index.js';
import type { EndpointSlice } from '../informers/kinds/endpoint-slice.js';
import type { Pod } from '../informers/kinds/pod.js';
import { silentLogger } from '../observe/logger.js';
import { appIpOf, demoNamespace, type DemoWorkload, workloadNamed } from './demo-topology.js';

export interface ScheduledPod {
  readonly name: string;
  readonly ip: string;
  readonly serviceAccount: string;
  readonly workload: DemoWorkload;
  /** Seconds after the log's first entry. */
  readonly startS: number;
  /** undefined: it stays until the end. */
  readonly stopS: number | undefined;
}

export interface LogNews {
  readonly atS: number;
  readonly text: string;
}

export interface DemoSchedule {
  readonly pods: readonly ScheduledPod[];
  /** From the first pod created after the start to the last pod deleted; undefined without one. */
  readonly rollout: { readonly startS: number; readonly endS: number } | undefined;
  readonly news: readonly LogNews[];
  /** The last entry's time. */
  readonly endS: number;
}

export class DemoScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoScheduleError';
  }
}

function meshedPod(pod: Pod, file: string): Omit<ScheduledPod, 'startS' | 'stopS'> | undefined {
  if (pod.metadata.namespace !== demoNamespace || !pod.spec.containers.some((container) => container.name === 'linkerd-proxy')) return undefined;
  const name = pod.metadata.name;
  const app = pod.metadata.labels?.app ?? '';
  const workload = workloadNamed(app);
  if (workload === undefined) throw new DemoScheduleError(`${file}: pod ${name}: its app label ${JSON.stringify(app)} names no workload of the demo`);
  const ip = pod.status?.podIP;
  try {
    if (ip === undefined) throw new Error('it has no status.podIP');
    appIpOf(ip);
  } catch (error) {
    throw new DemoScheduleError(`${file}: pod ${name}: ${(error as Error).message}`);
  }
  return { name, ip, serviceAccount: pod.spec.serviceAccountName ?? 'default', workload };
}

const pods = resourceId(podKind);
const endpointSlices = resourceId(endpointSliceKind);

type EndpointState = 'ready' | 'not ready' | 'terminating';

function sliceStates(slice: EndpointSlice): Map<string, EndpointState> {
  const states = new Map<string, EndpointState>();
  for (const endpoint of slice.endpoints) {
    const pod = endpoint.targetRef?.name ?? endpoint.addresses[0] ?? '?';
    const state = endpoint.conditions?.terminating === true ? 'terminating' : endpoint.conditions?.ready === false ? 'not ready' : 'ready';
    states.set(pod, state);
  }
  return states;
}

/** What changed between two states of a Service's endpoints, in words. */
function sliceNews(service: string, before: ReadonlyMap<string, EndpointState>, after: ReadonlyMap<string, EndpointState>): string[] {
  const news: string[] = [];
  for (const [pod, state] of after) {
    const was = before.get(pod);
    if (was === undefined) news.push(`svc/${service}: + ${pod} (${state})`);
    else if (was !== state) news.push(`svc/${service}: ${pod} ${state}`);
  }
  for (const pod of before.keys()) if (!after.has(pod)) news.push(`svc/${service}: - ${pod}`);
  return news;
}

export async function readSchedule(file: string): Promise<DemoSchedule> {
  const scheduled = new Map<string, ScheduledPod>();
  const slices = new Map<string, Map<string, EndpointState>>();
  const news: LogNews[] = [];
  let first: number | undefined;
  let endS = 0;
  for await (const entry of readEventLog(file, allKinds, silentLogger)) {
    first ??= entry.at?.getTime();
    const atS = entry.at === undefined || first === undefined ? 0 : (entry.at.getTime() - first) / 1000;
    endS = Math.max(endS, atS);
    const { change } = entry;
    if (change.resource === pods) {
      const known = scheduled.get(change.key);
      if (change.type === 'DELETED') {
        if (known !== undefined) scheduled.set(change.key, { ...known, stopS: atS });
      } else if (known === undefined) {
        const pod = meshedPod(change.object as Pod, file);
        if (pod !== undefined) scheduled.set(change.key, { ...pod, startS: atS, stopS: undefined });
      }
    } else if (change.resource === endpointSlices && (change.object as EndpointSlice).metadata.namespace === demoNamespace) {
      const slice = change.object as EndpointSlice;
      const service = slice.metadata.labels?.['kubernetes.io/service-name'] ?? slice.metadata.name;
      const after = change.type === 'DELETED' ? new Map<string, EndpointState>() : sliceStates(slice);
      if (atS > 0) for (const text of sliceNews(service, slices.get(change.key) ?? new Map(), after)) news.push({ atS, text });
      slices.set(change.key, after);
    }
  }
  const all = [...scheduled.values()];
  if (all.length === 0) throw new DemoScheduleError(`${file}: no meshed pod (one with a linkerd-proxy container) in namespace ${demoNamespace}`);
  const changes = all.flatMap((pod) => [...(pod.startS > 0 ? [pod.startS] : []), ...(pod.stopS === undefined ? [] : [pod.stopS])]);
  const rollout = changes.length === 0 ? undefined : { startS: Math.min(...changes), endS: Math.max(...changes) };
  return { pods: all, rollout, news, endS };
}
