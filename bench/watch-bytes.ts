/**
 * Watch-event bytes: the benchmark cluster as the API server streams it to a watch, one JSON
 * event a line, cut into 64 KiB chunks the way a socket hands them over.
 *
 * It measures nothing itself. Two lifecycles: `rollout` is what a burst looks like (every pod
 * ADDED Pending, then MODIFIED Running, 200 events behind; every slice ADDED not ready, then
 * MODIFIED ready), `steady` is the settled cluster (each pod once, Running; slices ready).
 * Lines are generated lazily, so a caller that does not keep the chunks never holds them all.
 */
import { collectionPath } from '../src/informers/kind.js';
import { endpointSliceKind, podKind, serviceKind } from '../src/informers/kinds/index.js';
import { type ClusterShape, endpointSliceJson, podJson, serviceJson } from './cluster-objects.js';

export type Lifecycle = 'rollout' | 'steady';

export interface WatchStream {
  /** The collection path a watch of this kind asks for. */
  readonly path: string;
  readonly events: number;
  lines(): Generator<string>;
}

const rolloutLag = 200;
const chunkBytes = 64 * 1024;

function line(type: 'ADDED' | 'MODIFIED', object: unknown): string {
  return JSON.stringify({ type, object }) + '\n';
}

/** The pod, service and EndpointSlice watch streams of a cluster. */
export function clusterWatchStreams(shape: ClusterShape, lifecycle: Lifecycle): readonly WatchStream[] {
  const pods = shape.services * shape.podsPerService;
  const rollout = lifecycle === 'rollout';
  return [
    {
      path: collectionPath(podKind), events: rollout ? 2 * pods : pods,
      *lines() {
        let version = 100_000;
        if (!rollout) {
          for (let i = 0; i < pods; i++) yield line('ADDED', podJson(shape, i, 'Running', String(++version)));
          return;
        }
        for (let i = 0; i < pods + rolloutLag; i++) {
          if (i < pods) yield line('ADDED', podJson(shape, i, 'Pending', String(++version)));
          if (i >= rolloutLag) yield line('MODIFIED', podJson(shape, i - rolloutLag, 'Running', String(++version)));
        }
      },
    },
    {
      path: collectionPath(serviceKind), events: shape.services,
      *lines() {
        for (let i = 0; i < shape.services; i++) yield line('ADDED', serviceJson(shape, i, String(300_000 + i)));
      },
    },
    {
      path: collectionPath(endpointSliceKind), events: rollout ? 2 * shape.services : shape.services,
      *lines() {
        let version = 400_000;
        if (rollout) for (let i = 0; i < shape.services; i++) yield line('ADDED', endpointSliceJson(shape, i, false, String(++version)));
        for (let i = 0; i < shape.services; i++) {
          yield line(rollout ? 'MODIFIED' : 'ADDED', endpointSliceJson(shape, i, true, String(++version)));
        }
      },
    },
  ];
}

/** Packs lines into chunks of about 64 KiB; a line may straddle two chunks, as on the wire. */
export function* chunked(lines: Iterable<string>): Generator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for (const text of lines) {
    const bytes = Buffer.from(text, 'utf8');
    pending.push(bytes);
    size += bytes.length;
    while (size >= chunkBytes) {
      const all = Buffer.concat(pending, size);
      yield all.subarray(0, chunkBytes);
      const rest = all.subarray(chunkBytes);
      pending = rest.length > 0 ? [rest] : [];
      size = rest.length;
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}
