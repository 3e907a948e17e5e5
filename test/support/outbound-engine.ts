/**
 * An engine running the outbound reconciler against a fake API server (every kind Sinew watches),
 * with an OutboundPolicies server on a loopback port and a client for it: what the end-to-end
 * tests of outbound policy talk to.
 */
import { credentials } from '@grpc/grpc-js';
import { map } from 'rxjs';
import type { OutboundPoliciesClient } from '../../src/gen/proto/io/linkerd/proxy/outbound/OutboundPolicies.js';
import type { ProtoGrpcType } from '../../src/gen/proto/outbound.js';
import { kubeApiClient } from '../../src/informers/api-client.js';
import { informers } from '../../src/informers/informers.js';
import { allKinds } from '../../src/informers/kinds/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createEngineMetrics, type EngineMetrics } from '../../src/observe/metrics.js';
import { defaultMeshConfig } from '../../src/reconcilers/mesh-config.js';
import { outboundPolicyReconciler } from '../../src/reconcilers/outbound-policy.js';
import { createEngine, type Engine } from '../../src/streams/engine.js';
import { type RunningGrpcServer, startGrpcServer } from '../../src/streams/grpc-server.js';
import { startPipeline } from '../../src/streams/pipeline.js';
import { outboundPoliciesService } from '../../src/streams/policy/outbound-policies-server.js';
import { loadProtos } from '../../src/streams/proto.js';
import { fastBackoff } from './engine-harness.js';
import type { FakeApiServer } from './fake-api-server.js';

export interface RunningOutbound {
  readonly engine: Engine;
  readonly metrics: EngineMetrics;
  readonly grpc: RunningGrpcServer;
  readonly client: OutboundPoliciesClient;
  stop(): Promise<void>;
}

export function outboundClient(port: number): OutboundPoliciesClient {
  const proto = loadProtos<ProtoGrpcType>(['outbound.proto']);
  return new proto.io.linkerd.proxy.outbound.OutboundPolicies(`127.0.0.1:${port}`, credentials.createInsecure());
}

export async function startOutbound(api: FakeApiServer, options: { queueCapacity?: number } = {}): Promise<RunningOutbound> {
  const metrics = createEngineMetrics();
  const engine = await createEngine({
    storeDir: undefined, kinds: allKinds, reconcilers: [outboundPolicyReconciler(defaultMeshConfig)], log: silentLogger, metrics,
  });
  const source = informers({
    client: kubeApiClient(api.kubeConfig()), kinds: allKinds, seed: (resource) => engine.store.seed(resource),
    log: silentLogger, metrics, backoff: fastBackoff, requestTimeoutMs: 2000, watchTimeoutSeconds: () => 60,
  }).pipe(map((event) => ({ at: undefined, event })));
  const pipeline = startPipeline({ source, loop: engine.loop, batching: { kind: 'time', maxMs: 2, maxEvents: 500 } });
  const grpc = await startGrpcServer('127.0.0.1', 0, [outboundPoliciesService({
    hub: engine.hub, view: engine.store.view, config: defaultMeshConfig, log: silentLogger, registry: metrics.registry,
    queueCapacity: options.queueCapacity,
  })]);
  const client = outboundClient(grpc.port);
  return {
    engine, metrics, grpc, client,
    async stop() {
      client.close();
      await grpc.close();
      pipeline.stop();
      await engine.close();
    },
  };
}
