/**
 * The Destination service (io.linkerd.proxy.destination.Destination) over the engine's views.
 *
 * Get: a service authority in, a stream of Updates out (endpoint-lens.ts). Bad authorities are
 * INVALID_ARGUMENT, an unknown Service is NOT_FOUND; each stream is a bounded subscription (100
 * messages by default): a subscriber that falls further behind is ended with RESOURCE_EXHAUSTED
 * and counted, and starts again from a snapshot when it reconnects.
 * GetProfile: an authority or an `ip:port` in, DestinationProfiles out, deduplicated
 * (profile-lens.ts). A cluster IP answers with its Service's profile; a pod IP with an endpoint
 * profile computed when the stream opens; any other address with the default profile.
 * A cancelled call releases its subscription at once.
 */
import net from 'node:net';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { Gauge, type Registry } from 'prom-client';
import type { ProtoGrpcType } from '../../gen/proto/destination.js';
import type { DestinationHandlers } from '../../gen/proto/io/linkerd/proxy/destination/Destination.js';
import type { DestinationProfile } from '../../gen/proto/io/linkerd/proxy/destination/DestinationProfile.js';
import type { GetDestination__Output } from '../../gen/proto/io/linkerd/proxy/destination/GetDestination.js';
import { objectKey } from '../../informers/kind.js';
import type { Node } from '../../informers/kinds/node.js';
import type { Pod } from '../../informers/kinds/pod.js';
import type { Service } from '../../informers/kinds/service.js';
import type { ResourceId } from '../../informers/object.js';
import type { Logger } from '../../observe/logger.js';
import type { EndpointAddress } from '../../reconcilers/endpoints.js';
import type { MeshConfig } from '../../reconcilers/mesh-config.js';
import { podEndpoint } from '../../reconcilers/pod-endpoint.js';
import type { StoreView } from '../../store/store-view.js';
import { NotFoundError, toServiceError } from '../grpc-errors.js';
import type { GrpcService } from '../grpc-server.js';
import { grpcSink, onCallEnd } from '../grpc-sink.js';
import { loadProtos } from '../proto.js';
import type { ViewHub } from '../view-hub.js';
import { parseServiceAuthority, splitHostPort } from './authority.js';
import { parseContextToken } from './context-token.js';
import { EndpointLens, weightedAddr } from './endpoint-lens.js';
import { defaultProfile, defaultRetryBudget, ProfileLens } from './profile-lens.js';

export interface DestinationServiceOptions {
  readonly hub: ViewHub;
  readonly view: StoreView;
  readonly config: MeshConfig;
  readonly log: Logger;
  readonly registry: Registry;
  readonly queueCapacity?: number;
}

const services = 'services' as ResourceId;
const nodes = 'nodes' as ResourceId;
const zoneLabel = 'topology.kubernetes.io/zone';

export function destinationService(options: DestinationServiceOptions): GrpcService {
  const proto = loadProtos<ProtoGrpcType>(['destination.proto']);
  const subscribers = new Gauge({ name: 'destination_subscribers', help: 'Open Destination streams, by rpc and service', labelNames: ['rpc', 'namespace', 'service'], registers: [options.registry] });
  const capacity = options.queueCapacity ?? 100;
  const { hub, view, config } = options;

  function track(call: ServerWritableStream<GetDestination__Output, unknown>, labels: { rpc: string; namespace: string; service: string }): void {
    subscribers.inc(labels);
    onCallEnd(call, () => subscribers.dec(labels));
  }

  const handlers: DestinationHandlers = {
    Get(call) {
      try {
        const authority = parseServiceAuthority(call.request.path, config.clusterDomain);
        const service = view.get<Service>(objectKey(services, authority.namespace, authority.service));
        if (service === undefined) throw new NotFoundError(`service ${authority.namespace}/${authority.service} not found`);
        const context = parseContextToken(call.request.context_token);
        const lens = new EndpointLens({
          hostname: authority.hostname,
          node: service.spec.internalTrafficPolicy === 'Local' ? context.nodeName : undefined,
          zone: zoneOf(view, context.nodeName),
        }, { service: authority.service, namespace: authority.namespace });
        track(call, { rpc: 'Get', namespace: authority.namespace, service: authority.service });
        hub.subscribe(`endpoints/${authority.namespace}/${authority.service}:${authority.port}`,
          grpcSink(call, (message) => lens.next(message as Parameters<EndpointLens['next']>[0]), `fell more than ${capacity} updates behind`),
          { kind: 'bounded', capacity });
      } catch (error) {
        call.emit('error', toServiceError(error));
      }
    },

    GetProfile(call) {
      try {
        const { host, port } = splitHostPort(call.request.path);
        const context = parseContextToken(call.request.context_token);
        if (net.isIP(host) !== 0) {
          const service = view.byIndex<Service>('serviceIp', host)[0];
          if (service === undefined) {
            call.write(endpointProfile(view, config, host, port));
            return;
          }
          subscribeProfile(call, service.metadata.namespace, service.metadata.name, context.namespace, port);
          return;
        }
        const authority = parseServiceAuthority(call.request.path, config.clusterDomain);
        subscribeProfile(call, authority.namespace, authority.service, context.namespace, authority.port);
      } catch (error) {
        call.emit('error', toServiceError(error));
      }
    },
  };

  function subscribeProfile(call: ServerWritableStream<GetDestination__Output, DestinationProfile>, namespace: string, name: string,
    clientNamespace: string | undefined, port: number): void {
    const lens = new ProfileLens(name, namespace, clientNamespace, port);
    track(call, { rpc: 'GetProfile', namespace, service: name });
    hub.subscribe(`profiles/${namespace}/${name}`,
      grpcSink(call, (message) => lens.next(message as Parameters<ProfileLens['next']>[0]), `fell more than ${capacity} updates behind`),
      { kind: 'bounded', capacity });
  }

  return { definition: proto.io.linkerd.proxy.destination.Destination.service, handlers };
}

function zoneOf(view: StoreView, nodeName: string | undefined): string | undefined {
  return nodeName === undefined ? undefined : view.get<Node>(objectKey(nodes, undefined, nodeName))?.metadata.labels?.[zoneLabel];
}

/** The profile of an address that is no Service's: a pod's endpoint, or the default. */
function endpointProfile(view: StoreView, config: MeshConfig, ip: string, port: number): DestinationProfile {
  const pod = view.byIndex<Pod>('podIp', ip).find((candidate) => candidate.status?.phase !== 'Succeeded' && candidate.status?.phase !== 'Failed');
  if (pod === undefined) return defaultProfile();
  const meta = podEndpoint(view, config, pod, port, false);
  const address: EndpointAddress = { address: ip, port, pod: pod.metadata.name, ...meta };
  return {
    ...defaultProfile(),
    retry_budget: defaultRetryBudget,
    opaque_protocol: meta.protocol === 'opaque',
    endpoint: weightedAddr(address),
  };
}

