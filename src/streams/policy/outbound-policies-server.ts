/**
 * The OutboundPolicies service (io.linkerd.proxy.outbound.OutboundPolicies) over the `outbound`
 * views (src/reconcilers/outbound-policy.ts).
 *
 * Get: a TrafficSpec in (outbound-target.ts), the policy that applies to that client and Service
 * port now out. Watch: the same policy first, then the whole policy again each time it changes
 * for that client and port (outbound-lens.ts); nothing is sent for changes that do not alter it.
 * Each Watch is a bounded subscription (100 view changes by default): a subscriber that falls
 * further behind is ended with RESOURCE_EXHAUSTED and counted, and starts again from a snapshot
 * when it reconnects. A Service deleted under a Watch ends it with NOT_FOUND. An address outside
 * the cluster's networks gets the egress fallback once, and the stream then stays open.
 * Bad requests are INVALID_ARGUMENT, unknown Services NOT_FOUND; a cancelled call releases its
 * subscription at once.
 */
import type { ServerWritableStream, ServiceError } from '@grpc/grpc-js';
import { Gauge, type Registry } from 'prom-client';
import type { ProtoGrpcType } from '../../gen/proto/outbound.js';
import type { OutboundPoliciesHandlers } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicies.js';
import type { OutboundPolicy } from '../../gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import type { TrafficSpec__Output } from '../../gen/proto/io/linkerd/proxy/outbound/TrafficSpec.js';
import type { Logger } from '../../observe/logger.js';
import type { MeshConfig } from '../../reconcilers/mesh-config.js';
import type { OutboundItem } from '../../reconcilers/outbound-items.js';
import type { StoreView } from '../../store/store-view.js';
import { GrpcError, NotFoundError, toServiceError } from '../grpc-errors.js';
import type { GrpcService } from '../grpc-server.js';
import { grpcSink, onCallEnd } from '../grpc-sink.js';
import { loadProtos } from '../proto.js';
import type { ViewHub } from '../view-hub.js';
import type { MessageSink, ViewMessage } from '../view-message.js';
import type { OutboundTarget } from './outbound-client-policy.js';
import { egressFallbackPolicy } from './outbound-fallback.js';
import { OutboundLens } from './outbound-lens.js';
import { networkSet } from '../../informers/ip-network.js';
import { resolveTarget, type TargetContext } from './outbound-target.js';

export interface OutboundPoliciesServiceOptions {
  readonly hub: ViewHub;
  readonly view: StoreView;
  readonly config: MeshConfig;
  readonly log: Logger;
  readonly registry: Registry;
  readonly queueCapacity?: number;
}

export function outboundPoliciesService(options: OutboundPoliciesServiceOptions): GrpcService {
  const proto = loadProtos<ProtoGrpcType>(['outbound.proto']);
  const subscribers = new Gauge({
    name: 'outbound_policy_subscribers', help: 'Open OutboundPolicies.Watch streams, by service',
    labelNames: ['namespace', 'service'], registers: [options.registry],
  });
  const capacity = options.queueCapacity ?? 100;
  const { hub, config, log } = options;
  const context: TargetContext = {
    view: options.view, clusterDomain: config.clusterDomain,
    clusterNetworks: networkSet(config.clusterNetworks),
  };

  const fail = (error: unknown): Partial<ServiceError> => {
    if (!(error instanceof GrpcError)) log.error('OutboundPolicies call failed', { error: error instanceof Error ? error.message : String(error) });
    return toServiceError(error);
  };

  const handlers: OutboundPoliciesHandlers = {
    Get(call, callback) {
      try {
        const target = resolveTarget(call.request, context);
        if (target.kind === 'fallback') {
          callback(null, egressFallbackPolicy(target.address));
          return;
        }
        callback(null, currentPolicy(hub, target, config.clusterDomain));
      } catch (error) {
        callback(fail(error), null);
      }
    },

    Watch(call) {
      try {
        const target = resolveTarget(call.request, context);
        if (target.kind === 'fallback') {
          call.write(egressFallbackPolicy(target.address));
          return;
        }
        watch(call, target);
      } catch (error) {
        call.emit('error', fail(error));
      }
    },
  };

  function watch(call: ServerWritableStream<TrafficSpec__Output, OutboundPolicy>, target: OutboundTarget): void {
    const labels = { namespace: target.namespace, service: target.name };
    subscribers.inc(labels);
    onCallEnd(call, () => subscribers.dec(labels));
    const lens = new OutboundLens(target, config.clusterDomain);
    const translate = (message: ViewMessage<OutboundItem>): readonly OutboundPolicy[] => {
      const out = lens.next(message);
      if (out.kind === 'policies') return out.policies;
      call.emit('error', toServiceError(new NotFoundError(`service ${target.namespace}/${target.name} not found`)));
      return [];
    };
    hub.subscribe(viewKeyOf(target), grpcSink(call, translate, `fell more than ${capacity} updates behind`), { kind: 'bounded', capacity });
  }

  return { definition: proto.io.linkerd.proxy.outbound.OutboundPolicies.service, handlers };
}

function viewKeyOf(target: OutboundTarget): string {
  return `outbound/${target.namespace}/${target.name}`;
}

/** The policy as the view stands now: a subscription that reads its snapshot and closes. */
function currentPolicy(hub: ViewHub, target: OutboundTarget, clusterDomain: string): OutboundPolicy {
  let first: ViewMessage<OutboundItem> | undefined;
  const sink: MessageSink<ViewMessage<OutboundItem>> = {
    write(message) {
      first ??= message;
      return true;
    },
    onDrain: () => undefined,
    close: () => undefined,
    onClose: () => undefined,
  };
  hub.subscribe(viewKeyOf(target), sink, { kind: 'latest' }).close();
  const out = first === undefined ? undefined : new OutboundLens(target, clusterDomain).next(first);
  const policy = out?.kind === 'policies' ? out.policies[0] : undefined;
  if (policy === undefined) throw new NotFoundError(`service ${target.namespace}/${target.name} not found`);
  return policy;
}
