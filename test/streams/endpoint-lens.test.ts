import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Update } from '../../src/gen/proto/io/linkerd/proxy/destination/Update.js';
import type { EndpointAddress } from '../../src/reconcilers/endpoints.js';
import { diff } from '../../src/streams/differ.js';
import { EndpointLens, type EndpointNarrowing } from '../../src/streams/destination/endpoint-lens.js';
import { fromIpAddress } from '../../src/streams/destination/ip-address.js';
import { type Snapshot, snapshotOf } from '../../src/streams/snapshot.js';
import type { ViewMessage } from '../../src/streams/view-message.js';

/** What a proxy holds after folding Updates: address → pod label, and whether the service exists. */
class ProxyView {
  readonly endpoints = new Map<string, string>();
  exists: boolean | undefined;
  apply(updates: readonly Update[]): void {
    for (const update of updates) {
      if (update.add) {
        this.exists = true;
        for (const addr of update.add.addrs ?? []) this.endpoints.set(name(addr.addr?.ip, addr.addr?.port), addr.metric_labels?.pod ?? '');
      } else if (update.remove) {
        for (const addr of update.remove.addrs ?? []) this.endpoints.delete(name(addr.ip, addr.port));
      } else if (update.no_endpoints) {
        this.exists = update.no_endpoints.exists ?? false;
        this.endpoints.clear();
      }
    }
  }
}

function name(ip: Parameters<typeof fromIpAddress>[0] | undefined, port: number | undefined): string {
  return `${fromIpAddress(ip ?? null) ?? '?'}:${port ?? 0}`;
}

const endpointArb = fc.record({
  host: fc.nat(7), gen: fc.nat(2), node: fc.constantFrom('n1', 'n2'), zone: fc.constantFrom('a', 'b'),
  hinted: fc.boolean(), v6: fc.boolean(),
});
type Endpoint = typeof endpointArb extends fc.Arbitrary<infer T> ? T : never;

function snapshotFrom(endpoints: readonly Endpoint[]): Snapshot<EndpointAddress> {
  return snapshotOf(endpoints.map((endpoint) => {
    const address = endpoint.v6 ? `fd00::${endpoint.host + 1}` : `10.0.0.${endpoint.host + 1}`;
    const value: EndpointAddress = {
      address, port: 8080, pod: `pod-${endpoint.host}-${endpoint.gen}`, hostname: `h${endpoint.host}`, node: endpoint.node,
      zone: endpoint.zone, labels: { pod: `pod-${endpoint.host}-${endpoint.gen}` },
      ...(endpoint.hinted ? { forZones: [endpoint.zone] } : {}),
    };
    return [`${address}:8080`, value] as const;
  }));
}

/** The endpoints a subscriber with this narrowing should end up with: the specification. */
function expected(snapshot: Snapshot<EndpointAddress>, narrowing: EndpointNarrowing): Map<string, string> {
  let items = [...snapshot.items];
  if (narrowing.hostname !== undefined) items = items.filter((item) => item.value.hostname === narrowing.hostname);
  if (narrowing.node !== undefined) items = items.filter((item) => item.value.node === narrowing.node);
  if (narrowing.zone !== undefined && items.length > 0 && items.every((item) => (item.value.forZones ?? []).length > 0)) {
    const local = items.filter((item) => item.value.forZones?.includes(narrowing.zone as string));
    if (local.length > 0) items = local;
  }
  return new Map(items.map((item) => [item.name, item.value.pod ?? '']));
}

const stepArb = fc.oneof(
  { weight: 8, arbitrary: fc.array(endpointArb, { maxLength: 6 }).map((endpoints) => ({ kind: 'state' as const, endpoints })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'gone' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
);

const narrowingArb = fc.record({
  hostname: fc.option(fc.constantFrom('h0', 'h1'), { nil: undefined }),
  node: fc.option(fc.constantFrom('n1', 'n2'), { nil: undefined }),
  zone: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
});

describe('Destination endpoint lens', () => {
  it('folds to the narrowed endpoints of the latest state after every message (property)', () => {
    fc.assert(fc.property(narrowingArb, fc.array(stepArb, { minLength: 1, maxLength: 25 }), (narrowing, steps) => {
      const lens = new EndpointLens(narrowing, { service: 'web', namespace: 'shop' });
      const proxy = new ProxyView();
      let current: Snapshot<EndpointAddress> | undefined;
      let first = true;
      for (const step of steps) {
        let message: ViewMessage<EndpointAddress>;
        if (step.kind === 'gone') {
          current = undefined;
          message = { type: 'snapshot', exists: false, items: [] };
        } else if (step.kind === 'reset' || first || current === undefined) {
          if (step.kind === 'state') current = snapshotFrom(step.endpoints);
          message = { type: 'snapshot', exists: current !== undefined, items: current?.items ?? [] };
        } else {
          const next = snapshotFrom(step.endpoints);
          message = { type: 'delta', ...diff(current, next) };
          current = next;
        }
        const updates = lens.next(message);
        if (first) assert.ok(updates.length > 0, 'the first message always says something');
        first = false;
        proxy.apply(updates);
        if (current === undefined) {
          assert.equal(proxy.exists, false);
          continue;
        }
        assert.equal(proxy.exists, true);
        assert.deepEqual(new Map([...proxy.endpoints].sort()), new Map([...expected(current, narrowing)].sort()));
      }
    }), { numRuns: 300 });
  });

  it('never sends no_endpoints before the first add of a subscription that has endpoints', () => {
    const lens = new EndpointLens({}, { service: 'web', namespace: 'shop' });
    const updates = lens.next({ type: 'snapshot', exists: true, items: snapshotFrom([{ host: 1, gen: 0, node: 'n1', zone: 'a', hinted: false, v6: false }]).items });
    assert.equal(updates.length, 1);
    assert.ok(updates[0]?.add);
  });
});
