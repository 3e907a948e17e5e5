/**
 * The fold of Destination.Get updates into EndpointSets: single messages decoded from the wire,
 * and an oracle over random histories, where the server side is the real EndpointLens and the
 * client drops and reconnects at random: whenever connected, the folded set equals the server's.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ProtoGrpcType } from '../../../src/gen/proto/destination.js';
import type { Update, Update__Output } from '../../../src/gen/proto/io/linkerd/proxy/destination/Update.js';
import { foldDestinationEvent } from '../../../src/proxy/discovery/destination-watch.js';
import { ControlStreamError } from '../../../src/proxy/discovery/discovery-errors.js';
import { applyUpdate, type EndpointSet, missingEndpointSet, unresolvedEndpointSet } from '../../../src/proxy/discovery/endpoint-set.js';
import type { EndpointAddress } from '../../../src/reconcilers/endpoints.js';
import { diff } from '../../../src/streams/differ.js';
import { EndpointLens } from '../../../src/streams/destination/endpoint-lens.js';
import { toIpAddress } from '../../../src/streams/destination/ip-address.js';
import { loadProtos } from '../../../src/streams/proto.js';
import { type Snapshot, snapshotOf } from '../../../src/streams/snapshot.js';

const getMethod = loadProtos<ProtoGrpcType>(['destination.proto']).io.linkerd.proxy.destination.Destination.service.Get;

/** An Update as the client receives it: encoded and decoded as on the wire. */
function wire(update: Update): Update__Output {
  return getMethod.responseDeserialize(getMethod.responseSerialize(update)) as Update__Output;
}

function fold(updates: readonly Update[], from: EndpointSet = unresolvedEndpointSet, problems: string[] = []): EndpointSet {
  return updates.reduce((set, update) => applyUpdate(set, wire(update), (problem) => problems.push(problem)), from);
}

const addr = (ip: string, port: number): { ip: ReturnType<typeof toIpAddress>; port: number } => ({ ip: toIpAddress(ip), port });

describe('applyUpdate', () => {
  it('keys endpoints by ip:port, brackets IPv6, and overlays the set labels with each endpoint\'s', () => {
    const set = fold([{ add: { metric_labels: { service: 'web', zone: 'set' }, addrs: [
      { addr: addr('10.0.0.1', 8080), weight: 10_000, metric_labels: { pod: 'web-1', zone: 'a' } },
      { addr: addr('fd00::1', 8080), weight: 5 },
    ] } }]);
    assert.deepEqual([...set.endpoints.keys()], ['10.0.0.1:8080', '[fd00::1]:8080']);
    assert.deepEqual(set.endpoints.get('10.0.0.1:8080')?.labels, { service: 'web', zone: 'a', pod: 'web-1' });
    assert.equal(set.endpoints.get('[fd00::1]:8080')?.ip, 'fd00::1');
    assert.equal(set.endpoints.get('[fd00::1]:8080')?.weight, 5);
    assert.deepEqual(set.metricLabels, { service: 'web', zone: 'set' });
    assert.equal(set.exists, true);
  });

  it('maps identity, protocol hints, HTTP/2 parameters and the authority override', () => {
    const set = fold([{ add: { addrs: [{
      addr: addr('10.0.0.1', 5432), weight: 1,
      tls_identity: { dns_like_identity: { name: 'db.shop.serviceaccount.identity.linkerd.cluster.local' }, server_name: { name: 'db.example' } },
      protocol_hint: { opaque: {}, opaque_transport: { inbound_port: 4143 } },
      http2: { keep_alive: { interval: { seconds: 10 }, timeout: { seconds: 3 }, while_idle: true } },
      authority_override: { authority_override: 'db.shop.svc.cluster.local:5432' },
    }, { addr: addr('10.0.0.2', 8080), weight: 1, tls_identity: { dns_like_identity: { name: 'web.id' } }, protocol_hint: { h2: {} } }] } }]);
    const db = set.endpoints.get('10.0.0.1:5432');
    assert.deepEqual(db?.tlsIdentity, { name: 'db.shop.serviceaccount.identity.linkerd.cluster.local', serverName: 'db.example' });
    assert.equal(db?.protocolHint, 'opaque');
    assert.equal(db?.opaqueTransportPort, 4143);
    assert.equal(db?.http2ClientParams?.keep_alive?.while_idle, true);
    assert.equal(db?.authorityOverride, 'db.shop.svc.cluster.local:5432');
    const web = set.endpoints.get('10.0.0.2:8080');
    assert.deepEqual(web?.tlsIdentity, { name: 'web.id', serverName: 'web.id' }, 'the server name defaults to the identity');
    assert.equal(web?.protocolHint, 'h2');
    assert.equal(web?.opaqueTransportPort, undefined);
    assert.equal(web?.http2ClientParams, undefined);
    assert.equal(web?.authorityOverride, undefined);
  });

  it('skips, and reports, an address without an IP, a port out of range and an identity without a name', () => {
    const problems: string[] = [];
    const set = fold([{ add: { addrs: [
      { addr: { port: 80 }, weight: 1 },
      { addr: addr('10.0.0.1', 0), weight: 1 },
      { addr: addr('10.0.0.2', 80), weight: 1, tls_identity: { dns_like_identity: { name: '' } } },
      { addr: addr('10.0.0.3', 80), weight: 1 },
    ] } }], unresolvedEndpointSet, problems);
    assert.deepEqual([...set.endpoints.keys()], ['10.0.0.3:80']);
    assert.equal(problems.length, 3);
    assert.match(problems.join('\n'), /without an IP/);
    assert.match(problems.join('\n'), /10\.0\.0\.1 has port 0/);
    assert.match(problems.join('\n'), /10\.0\.0\.2:80 has a TLS identity without a name; skipped rather than reached without TLS/);
  });

  it('removes by address, returns the same set for a removal that changes nothing, and never changes its input', () => {
    const before = fold([{ add: { addrs: [{ addr: addr('10.0.0.1', 80) }, { addr: addr('10.0.0.2', 80) }] } }]);
    const after = fold([{ remove: { addrs: [addr('10.0.0.1', 80)] } }], before);
    assert.deepEqual([...after.endpoints.keys()], ['10.0.0.2:80']);
    assert.deepEqual([...before.endpoints.keys()], ['10.0.0.1:80', '10.0.0.2:80']);
    assert.equal(fold([{ remove: { addrs: [addr('10.9.9.9', 80)] } }], after), after);
  });

  it('empties the set on no_endpoints and records whether the service exists', () => {
    const held = fold([{ add: { addrs: [{ addr: addr('10.0.0.1', 80) }] } }]);
    const emptied = fold([{ no_endpoints: { exists: true } }], held);
    assert.equal(emptied.exists, true);
    assert.equal(emptied.endpoints.size, 0);
    assert.equal(fold([{ no_endpoints: { exists: false } }], held).exists, false);
  });
});

describe('foldDestinationEvent', () => {
  const held = fold([{ add: { addrs: [{ addr: addr('10.0.0.1', 80) }] } }]);
  const notFound = { kind: 'disconnected' as const, error: new ControlStreamError('Destination.Get', 'web', 5, 'no such service'), retryInMs: 100 };

  it('resets on a first message, even onto endpoints it held', () => {
    const reset = foldDestinationEvent(held, { kind: 'message', first: true, message: wire({ add: { addrs: [{ addr: addr('10.0.0.2', 80) }] } }) });
    assert.deepEqual([...reset.endpoints.keys()], ['10.0.0.2:80']);
    const merged = foldDestinationEvent(held, { kind: 'message', first: false, message: wire({ add: { addrs: [{ addr: addr('10.0.0.2', 80) }] } }) });
    assert.deepEqual([...merged.endpoints.keys()], ['10.0.0.1:80', '10.0.0.2:80']);
  });

  it('turns NOT_FOUND into a missing service only when no endpoints are held', () => {
    assert.equal(foldDestinationEvent(unresolvedEndpointSet, notFound), missingEndpointSet);
    assert.equal(foldDestinationEvent(held, notFound), held);
    const unavailable = { ...notFound, error: new ControlStreamError('Destination.Get', 'web', 14, 'down') };
    assert.equal(foldDestinationEvent(unresolvedEndpointSet, unavailable), unresolvedEndpointSet);
  });
});

type Step =
  | { readonly kind: 'state'; readonly exists: boolean; readonly endpoints: readonly (readonly [number, boolean])[] }
  | { readonly kind: 'drop' }
  | { readonly kind: 'reconnect' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('state' as const), exists: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    endpoints: fc.array(fc.tuple(fc.nat(9), fc.boolean()), { maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
);

function snapshotFor(endpoints: readonly (readonly [number, boolean])[]): Snapshot<EndpointAddress> {
  return snapshotOf(endpoints.map(([host, meshed]) => [`10.0.0.${host}:8080`, {
    address: `10.0.0.${host}`, port: 8080, pod: `web-${host}`, ...(meshed ? { identity: `web.id`, protocol: 'h2' as const } : {}),
  }] as const));
}

describe('the Destination fold over random histories', () => {
  it('equals the server\'s set whenever connected, and keeps the last set while dropped', () => {
    fc.assert(fc.property(fc.array(stepArb, { maxLength: 30 }), (steps) => {
      let server: { exists: boolean; snapshot: Snapshot<EndpointAddress> } = { exists: true, snapshot: snapshotFor([]) };
      let lens: EndpointLens | undefined = new EndpointLens({}, { service: 'web', namespace: 'shop' });
      let client = unresolvedEndpointSet;
      let first = true;
      const receive = (updates: readonly Update[]): void => {
        for (const update of updates) {
          client = foldDestinationEvent(client, { kind: 'message', first, message: wire(update) });
          first = false;
        }
      };
      receive(lens.next({ type: 'snapshot', exists: server.exists, items: server.snapshot.items }));
      for (const step of steps) {
        const held = client;
        if (step.kind === 'drop') lens = undefined;
        else if (step.kind === 'reconnect') {
          lens = new EndpointLens({}, { service: 'web', namespace: 'shop' });
          first = true;
          receive(lens.next({ type: 'snapshot', exists: server.exists, items: server.snapshot.items }));
        } else {
          const next = { exists: step.exists, snapshot: step.exists ? snapshotFor(step.endpoints) : snapshotFor([]) };
          if (lens !== undefined) {
            receive(lens.next(next.exists === server.exists ? { type: 'delta', ...diff(server.snapshot, next.snapshot) }
              : { type: 'snapshot', exists: next.exists, items: next.snapshot.items }));
          }
          server = next;
        }
        if (lens === undefined) {
          assert.equal(client, held, 'nothing changes while dropped');
          continue;
        }
        assert.deepEqual([...client.endpoints.keys()].sort(), server.snapshot.items.map((item) => item.name).sort());
        assert.equal(client.exists, server.exists);
        for (const item of server.snapshot.items) {
          assert.equal(client.endpoints.get(item.name)?.tlsIdentity?.name, item.value.identity);
        }
      }
    }), { numRuns: 300 });
  });
});
