import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { OutboundPolicy } from '../../src/gen/proto/io/linkerd/proxy/outbound/OutboundPolicy.js';
import type { OutboundItem } from '../../src/reconcilers/outbound-items.js';
import type { OutboundTarget } from '../../src/streams/policy/outbound-client-policy.js';
import { OutboundLens } from '../../src/streams/policy/outbound-lens.js';
import type { MessageSink, ViewMessage } from '../../src/streams/view-message.js';
import { namespace, service } from '../support/objects.js';
import { annotated, backendRef, gatewayHttpRoute, grpcRoute, linkerdHttpRoute } from '../support/outbound-objects.js';
import { OutboundWorld } from '../support/outbound-world.js';

/**
 * The oracle: for random sequences of route, Service and namespace changes, the last policy each
 * Watch subscriber's lens sent equals the policy a fresh engine computes from the final objects,
 * for every port and client namespace. A lens sends nothing when its policy does not change.
 */

type Op =
  | { readonly op: 'route'; readonly kind: 0 | 1 | 2; readonly name: number; readonly port: number | undefined; readonly from: 'shop' | 'client'; readonly backend: number; readonly day: number }
  | { readonly op: 'deleteRoute'; readonly kind: 0 | 1 | 2; readonly name: number; readonly from: 'shop' | 'client' }
  | { readonly op: 'webAnnotations'; readonly variant: number }
  | { readonly op: 'namespaceOpaque'; readonly ports: string | undefined }
  | { readonly op: 'canary'; readonly present: boolean };

const portArb = fc.constantFrom(undefined, 80, 8080);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('route' as const), kind: fc.constantFrom(0 as const, 1 as const, 2 as const), name: fc.nat(2), port: portArb,
    from: fc.constantFrom('shop' as const, 'client' as const), backend: fc.nat(2), day: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('deleteRoute' as const), kind: fc.constantFrom(0 as const, 1 as const, 2 as const), name: fc.nat(2), from: fc.constantFrom('shop' as const, 'client' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('webAnnotations' as const), variant: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('namespaceOpaque' as const), ports: fc.constantFrom(undefined, '8080', '80,8080') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('canary' as const), present: fc.boolean() }) },
);

const builders = [linkerdHttpRoute, gatewayHttpRoute, grpcRoute] as const;
const webAnnotations: readonly Record<string, string>[] = [
  {},
  { 'retry.linkerd.io/http': '5xx', 'timeout.linkerd.io/request': '5s' },
  { 'balancer.linkerd.io/failure-accrual': 'consecutive', 'config.linkerd.io/opaque-ports': '8080' },
  { 'retry.linkerd.io/limit': 'bad', 'timeout.linkerd.io/idle': '1m' },
];

function routeObject(op: Extract<Op, { op: 'route' | 'deleteRoute' }>): Record<string, unknown> {
  const port = op.op === 'route' ? op.port : undefined;
  const backends = op.op === 'route' ? [[], [backendRef('web', 80)], [backendRef('web', 80, 2), backendRef('canary', 80, 1)]][op.backend] : [];
  return builders[op.kind](op.from, `r${op.name}`, {
    parent: { name: 'web', namespace: 'shop', ...(port === undefined ? {} : { port }) },
    creationTimestamp: op.op === 'route' ? `2026-01-0${op.day}T00:00:00Z` : undefined,
    rules: [{ backendRefs: backends }],
  });
}

function objectFor(op: Op): { readonly key: string; readonly object: Record<string, unknown> | undefined } {
  switch (op.op) {
    case 'route': case 'deleteRoute':
      return { key: `route/${op.kind}/${op.from}/${op.name}`, object: op.op === 'route' ? routeObject(op) : undefined };
    case 'webAnnotations':
      return { key: 'web', object: annotated(service('shop', 'web', [{ port: 80 }, { port: 8080 }], '10.96.0.10'), webAnnotations[op.variant] ?? {}) };
    case 'namespaceOpaque':
      return { key: 'ns', object: { ...namespace('shop'), metadata: { name: 'shop', ...(op.ports === undefined ? {} : { annotations: { 'config.linkerd.io/opaque-ports': op.ports } }) } } };
    case 'canary':
      return { key: 'canary', object: op.present ? service('shop', 'canary', [{ port: 80 }], '10.96.0.11') : undefined };
  }
}

const targets: readonly OutboundTarget[] = [80, 8080].flatMap((port) => ['shop', 'client'].map((clientNamespace) => ({ namespace: 'shop', name: 'web', port, clientNamespace })));

class LensSink implements MessageSink<ViewMessage<OutboundItem>> {
  last: OutboundPolicy | undefined;
  sent = 0;
  constructor(private readonly lens: OutboundLens) {}
  write(message: ViewMessage<OutboundItem>): boolean {
    const out = this.lens.next(message);
    if (out.kind === 'gone') throw new Error('the Service never goes in this test');
    for (const policy of out.policies) {
      assert.notDeepEqual(policy, this.last, 'a lens never sends the same policy twice in a row');
      this.last = policy;
      this.sent++;
    }
    return true;
  }
  onDrain(): void { /* never full */ }
  close(): void { /* nothing to release */ }
  onClose(): void { /* never closed by the subscriber */ }
}

describe('outbound lens (fast-check)', function () {
  this.timeout(120_000);

  it('ends, for every client and port, on the policy a fresh reconcile of the final state gives', async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
      const world = await OutboundWorld.open();
      const current = new Map<string, Record<string, unknown>>();
      const initial: readonly Op[] = [{ op: 'namespaceOpaque', ports: undefined }, { op: 'webAnnotations', variant: 0 }];
      try {
        for (const op of initial) {
          const { key, object } = objectFor(op);
          if (object !== undefined) { world.apply(object); current.set(key, object); }
        }
        world.apply(namespace('client'));
        const sinks = targets.map((target) => {
          const sink = new LensSink(new OutboundLens(target, 'cluster.local'));
          world.engine.hub.subscribe('outbound/shop/web', sink, { kind: 'bounded', capacity: 10_000 });
          return sink;
        });
        for (const op of ops) {
          const { key, object } = objectFor(op);
          const existing = current.get(key);
          if (object !== undefined) {
            world.apply(object);
            current.set(key, object);
          } else if (existing !== undefined) {
            world.delete(existing);
            current.delete(key);
          }
        }
        const oracle = await OutboundWorld.open();
        try {
          oracle.apply(namespace('client'));
          for (const key of ['ns', 'web', 'canary']) { const object = current.get(key); if (object !== undefined) oracle.apply(object); }
          for (const [key, object] of current) if (key.startsWith('route/')) oracle.apply(object);
          targets.forEach((target, i) => {
            assert.deepEqual(sinks[i]?.last, oracle.policy(target), `port ${target.port}, client namespace ${target.clientNamespace}`);
          });
        } finally {
          await oracle.close();
        }
      } finally {
        await world.close();
      }
    }), { numRuns: 60 });
  });
});
