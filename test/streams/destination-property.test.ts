import fc from 'fast-check';
import type { DestinationClient } from '../../src/gen/proto/io/linkerd/proxy/destination/Destination.js';
import type { ObjectChange } from '../../src/informers/event.js';
import { keyOf, resourceId } from '../../src/informers/kind.js';
import { allKinds, endpointSliceKind, podKind, serviceKind } from '../../src/informers/kinds/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createEngineMetrics } from '../../src/observe/metrics.js';
import { allReconcilers } from '../../src/reconcilers/index.js';
import { defaultMeshConfig } from '../../src/reconcilers/mesh-config.js';
import { destinationService } from '../../src/streams/destination/destination-server.js';
import { createEngine, type Engine } from '../../src/streams/engine.js';
import { type RunningGrpcServer, startGrpcServer } from '../../src/streams/grpc-server.js';
import { destinationClient, eventually, FoldedGet } from '../support/destination-client.js';
import { versionedChange } from '../support/changes.js';
import { endpointSlice, pod, service } from '../support/objects.js';

/**
 * End to end through gRPC: for random sequences of slice and pod changes, the endpoint set a
 * Destination.Get client folds from its stream equals the endpoints a fresh engine reconciles
 * from the final state.
 */

type Op =
  | { readonly op: 'slice'; readonly slice: number; readonly endpoints: readonly (readonly [number, boolean])[] }
  | { readonly op: 'deleteSlice'; readonly slice: number }
  | { readonly op: 'pod'; readonly host: number; readonly meshed: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('slice' as const), slice: fc.nat(1), endpoints: fc.array(fc.tuple(fc.nat(7), fc.boolean()), { maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteSlice' as const), slice: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pod' as const), host: fc.nat(7), meshed: fc.boolean() }) },
);

function changeFor(op: Op): ObjectChange {
  switch (op.op) {
    case 'slice':
      return versionedChange(endpointSliceKind, endpointSlice('shop', `web-${op.slice}`, 'web',
        op.endpoints.map(([host, ready]) => ({ ip: `10.0.0.${host + 1}`, ready, pod: `web-${host}` })), [{ name: 'http', port: 8080 }]));
    case 'deleteSlice':
      return versionedChange(endpointSliceKind, endpointSlice('shop', `web-${op.slice}`, 'web', [], [{ name: 'http', port: 8080 }]), 'DELETED');
    case 'pod': {
      const labels: Record<string, string> = op.meshed ? { app: 'web', 'linkerd.io/control-plane-ns': 'linkerd' } : { app: 'web' };
      return versionedChange(podKind, pod('shop', `web-${op.host}`, { ip: `10.0.0.${op.host + 1}`, labels, serviceAccount: 'web' }));
    }
  }
}

describe('Destination.Get end to end (fast-check)', function () {
  this.timeout(120_000);
  let engine: Engine;
  let grpc: RunningGrpcServer;
  let client: DestinationClient;

  before(async () => {
    engine = await createEngine({ storeDir: undefined, kinds: allKinds, reconcilers: allReconcilers, log: silentLogger });
    grpc = await startGrpcServer('127.0.0.1', 0, [destinationService({
      hub: engine.hub, view: engine.store.view, config: defaultMeshConfig, log: silentLogger, registry: createEngineMetrics().registry,
    })]);
    client = destinationClient(grpc.port);
  });

  after(async () => {
    client.close();
    await grpc.close();
    await engine.close();
  });

  it('folds each stream to the endpoints reconciled from the final state, identities and hints included', async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 20 }), async (ops) => {
      // A fresh service per run, so runs do not see each other's endpoints.
      for (const slice of [0, 1]) engine.loop.process([versionedChange(endpointSliceKind, endpointSlice('shop', `web-${slice}`, 'web', [], [{ name: 'http', port: 8080 }]), 'DELETED')]);
      engine.loop.process([versionedChange(serviceKind, service('shop', 'web', [{ name: 'http', port: 80, targetPort: 8080 }]))]);
      const stream = new FoldedGet(client, 'web.shop.svc.cluster.local:80');
      try {
        await eventually(() => (stream.exists !== undefined ? undefined : 'no first message'));
        for (const op of ops) engine.loop.process([changeFor(op)]);
        const want = await expectedEndpoints(engine);
        await eventually(() => {
          const have = [...stream.endpoints].map(([name, addr]) => `${name}|${addr.tls_identity?.dns_like_identity?.name ?? '-'}|${addr.protocol_hint?.protocol ?? '-'}`).sort().join(',');
          return have === want ? undefined : `have [${have}] want [${want}]`;
        }, 3000);
      } finally {
        stream.cancel();
      }
    }), { numRuns: 25 });
  });
});

/** The oracle: a fresh engine given the final objects, and its endpoints view, rendered as the stream is. */
async function expectedEndpoints(live: Engine): Promise<string> {
  const scratch = await createEngine({ storeDir: undefined, kinds: allKinds, reconcilers: allReconcilers, log: silentLogger });
  try {
    const changes: ObjectChange[] = [];
    for (const resource of [podKind, serviceKind, endpointSliceKind].map(resourceId)) {
      for (const object of live.store.view.list(resource)) changes.push({ type: 'ADDED', resource, key: keyOf(resource, object), object });
    }
    scratch.loop.process(changes);
    const view = scratch.store.getView('endpoints/shop/web:80');
    return (view?.items ?? []).map((item) => {
      const value = item.value as { identity?: string; protocol?: string };
      return `${item.name}|${value.identity ?? '-'}|${value.protocol ?? '-'}`;
    }).sort().join(',');
  } finally {
    await scratch.close();
  }
}
