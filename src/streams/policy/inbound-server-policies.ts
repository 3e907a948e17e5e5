/**
 * The InboundServerPolicies service (io.linkerd.proxy.inbound) over the engine's inbound views.
 *
 * A request names a workload (JSON `{"ns":"…","pod":"…"}`, or the older `namespace:pod`) and a
 * port. A bad workload or port is INVALID_ARGUMENT; a pod the store does not know is NOT_FOUND.
 * WatchPort sends the port's server at once, then again each time it changes (never twice the
 * same); it is a bounded subscription (100 view updates by default), ended with
 * RESOURCE_EXHAUSTED when the client falls further behind, and released when the call ends.
 * GetPort answers once with the same server WatchPort would send first.
 */
import type { ServerWritableStream } from '@grpc/grpc-js';
import { Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import type { ProtoGrpcType } from '../../gen/proto/inbound.js';
import type { InboundServerPoliciesHandlers } from '../../gen/proto/io/linkerd/proxy/inbound/InboundServerPolicies.js';
import type { PortSpec__Output } from '../../gen/proto/io/linkerd/proxy/inbound/PortSpec.js';
import type { Server } from '../../gen/proto/io/linkerd/proxy/inbound/Server.js';
import { objectKey } from '../../informers/kind.js';
import type { Pod } from '../../informers/kinds/pod.js';
import type { ResourceId } from '../../informers/object.js';
import type { Logger } from '../../observe/logger.js';
import type { MeshConfig } from '../../reconcilers/mesh-config.js';
import type { StoreView } from '../../store/store-view.js';
import { InvalidArgumentError, NotFoundError, toServiceError } from '../grpc-errors.js';
import type { GrpcService } from '../grpc-server.js';
import { grpcSink, onCallEnd } from '../grpc-sink.js';
import { loadProtos } from '../proto.js';
import type { Snapshot, SnapshotItem } from '../snapshot.js';
import type { InboundItem } from '../../reconcilers/inbound-policy.js';
import type { ViewHub } from '../view-hub.js';
import { InboundLens } from './inbound-lens.js';

export interface InboundPoliciesOptions {
  readonly hub: ViewHub;
  readonly view: StoreView;
  /** The current inbound view of a pod (`inbound/<ns>/<pod>`), for GetPort. */
  readonly getView: (key: string) => Snapshot | undefined;
  readonly config: MeshConfig;
  readonly log: Logger;
  readonly registry: Registry;
  readonly queueCapacity?: number;
}

export interface Workload {
  readonly namespace: string;
  readonly pod: string;
}

const jsonWorkloadSchema = z.object({ ns: z.string().min(1), pod: z.string().min(1) });
const pods = 'pods' as ResourceId;
const namePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Parses PortSpec.workload in either of the forms proxies send. */
export function parseWorkload(text: string): Workload {
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new InvalidArgumentError(`workload ${JSON.stringify(text)} is not valid JSON`);
    }
    const result = jsonWorkloadSchema.safeParse(parsed);
    if (!result.success) throw new InvalidArgumentError(`workload ${JSON.stringify(text)} must be {"ns": NAMESPACE, "pod": POD}; only pods are supported`);
    return checked(result.data.ns, result.data.pod, text);
  }
  const colon = text.indexOf(':');
  if (colon === -1) throw new InvalidArgumentError(`workload ${JSON.stringify(text)} must be {"ns":…,"pod":…} or NAMESPACE:POD`);
  return checked(text.slice(0, colon), text.slice(colon + 1), text);
}

function checked(namespace: string, pod: string, text: string): Workload {
  if (!namePattern.test(namespace) || !namePattern.test(pod)) throw new InvalidArgumentError(`workload ${JSON.stringify(text)} does not name a namespace and a pod`);
  return { namespace, pod };
}

function portOf(request: PortSpec__Output): number {
  const { port } = request;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`port ${port} is not a port number (1-65535)`);
  return port;
}

export function inboundServerPoliciesService(options: InboundPoliciesOptions): GrpcService {
  const proto = loadProtos<ProtoGrpcType>(['inbound.proto']);
  const watchers = new Gauge({ name: 'inbound_policy_subscribers', help: 'Open WatchPort streams, by namespace', labelNames: ['namespace'], registers: [options.registry] });
  const capacity = options.queueCapacity ?? 100;
  const { hub, view, config } = options;

  function resolve(request: PortSpec__Output): { workload: Workload; port: number } {
    const workload = parseWorkload(request.workload);
    const port = portOf(request);
    if (view.get<Pod>(objectKey(pods, workload.namespace, workload.pod)) === undefined) {
      throw new NotFoundError(`pod ${workload.namespace}/${workload.pod} not found`);
    }
    return { workload, port };
  }

  const handlers: InboundServerPoliciesHandlers = {
    GetPort(call, callback) {
      try {
        const { workload, port } = resolve(call.request);
        const lens = new InboundLens(config, port);
        const snapshot = options.getView(`inbound/${workload.namespace}/${workload.pod}`);
        const [message] = lens.next({ type: 'snapshot', exists: snapshot !== undefined, items: (snapshot?.items ?? []) as readonly SnapshotItem<InboundItem>[] });
        if (message === undefined) throw new NotFoundError(`pod ${workload.namespace}/${workload.pod} has no inbound policy yet`);
        callback(null, message);
      } catch (error) {
        callback(toServiceError(error));
      }
    },

    WatchPort(call: ServerWritableStream<PortSpec__Output, Server>) {
      try {
        const { workload, port } = resolve(call.request);
        const lens = new InboundLens(config, port);
        const labels = { namespace: workload.namespace };
        watchers.inc(labels);
        onCallEnd(call, () => watchers.dec(labels));
        hub.subscribe(`inbound/${workload.namespace}/${workload.pod}`,
          grpcSink(call, (message) => lens.next(message as Parameters<InboundLens['next']>[0]), `fell more than ${capacity} updates behind`),
          { kind: 'bounded', capacity });
      } catch (error) {
        call.emit('error', toServiceError(error));
      }
    },
  };

  return { definition: proto.io.linkerd.proxy.inbound.InboundServerPolicies.service, handlers };
}
