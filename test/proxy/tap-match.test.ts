import assert from 'node:assert/strict';
import type { _io_linkerd_proxy_tap_ObserveRequest_Match__Output as Match } from '../../src/gen/proto/io/linkerd/proxy/tap/ObserveRequest.js';
import { toIpAddress } from '../../src/streams/destination/ip-address.js';
import { compileMatch, TapMatchError, type TapRequestFacts } from '../../src/proxy/tap/tap-match.js';
import { createTapRegistry } from '../../src/proxy/tap/tap-registry.js';

const facts: TapRequestFacts = {
  source: { ip: '10.1.2.3', port: 40000 },
  destination: { ip: '10.9.0.7', port: 8080 },
  destinationLabels: { deployment: 'web', namespace: 'shop' },
  routeLabels: {},
  method: 'POST',
  scheme: undefined,
  authority: 'web.shop.svc.cluster.local',
  path: '/api/books',
};

/** A filter as the loader decodes it (the virtual `match` field names the set member). */
function m(value: Record<string, unknown>): Match {
  const [key] = Object.keys(value);
  return { ...value, match: key } as unknown as Match;
}
const http = (value: Record<string, unknown>): Match => m({ http: { ...value, match: Object.keys(value)[0] } });
const str = (kind: 'exact' | 'prefix', value: string) => ({ [kind]: value, match: kind });
const netmask = (ip: string, mask: number): Match => m({ source: { netmask: { ip: { ...toIpAddress(ip), ip: ip.includes(':') ? 'ipv6' : 'ipv4' }, mask }, match: 'netmask' } });
const ports = (min: number, max: number): Match => m({ destination: { ports: { min, max }, match: 'ports' } });

describe('tap filters', () => {
  it('matches paths by prefix and exactly, authorities exactly, and methods and schemes', () => {
    assert.equal(compileMatch(http({ path: str('prefix', '/api/') }))(facts), true);
    assert.equal(compileMatch(http({ path: str('prefix', '/web/') }))(facts), false);
    assert.equal(compileMatch(http({ path: str('exact', '/api') }))(facts), false);
    assert.equal(compileMatch(http({ authority: str('exact', 'web.shop.svc.cluster.local') }))(facts), true);
    assert.equal(compileMatch(http({ authority: str('exact', 'web') }))({ ...facts, authority: undefined }), false);
    assert.equal(compileMatch(http({ method: { registered: 'POST', type: 'registered' } }))(facts), true);
    assert.equal(compileMatch(http({ method: { unregistered: 'PURGE', type: 'unregistered' } }))(facts), false);
    assert.equal(compileMatch(http({ scheme: { registered: 'HTTP', type: 'registered' } }))(facts), true, 'a request without a scheme is http');
    assert.equal(compileMatch(http({ scheme: { registered: 'HTTPS', type: 'registered' } }))(facts), false);
  });

  it('combines filters with all, any and not; an empty all holds and an empty any does not', () => {
    const yes = http({ path: str('prefix', '/') });
    const no = http({ path: str('prefix', '/nope') });
    assert.equal(compileMatch(m({ all: { matches: [yes, yes] } }))(facts), true);
    assert.equal(compileMatch(m({ all: { matches: [yes, no] } }))(facts), false);
    assert.equal(compileMatch(m({ any: { matches: [no, yes] } }))(facts), true);
    assert.equal(compileMatch(m({ not: no }))(facts), true);
    assert.equal(compileMatch(m({ all: { matches: [] } }))(facts), true);
    assert.equal(compileMatch(m({ any: { matches: [] } }))(facts), false);
  });

  it('matches networks within their family, port ranges with one bound standing for both, and labels', () => {
    assert.equal(compileMatch(netmask('10.1.0.0', 16))(facts), true);
    assert.equal(compileMatch(netmask('10.2.0.0', 16))(facts), false);
    assert.equal(compileMatch(netmask('::', 1))(facts), false);
    assert.equal(compileMatch(ports(8000, 9000))(facts), true);
    assert.equal(compileMatch(ports(8080, 0))(facts), true);
    assert.equal(compileMatch(ports(0, 8081))(facts), false);
    assert.equal(compileMatch(ports(1, 65535))({ ...facts, destination: undefined }), false);
    assert.equal(compileMatch(m({ destination_label: { key: 'deployment', value: 'web' } }))(facts), true);
    assert.equal(compileMatch(m({ destination_label: { key: 'deployment', value: 'api' } }))(facts), false);
  });

  it('refuses filters it cannot use, naming the field', () => {
    const refused = (match: Match | null, pattern: RegExp): void => {
      assert.throws(() => compileMatch(match), (error: unknown) => error instanceof TapMatchError && pattern.test(error.message));
    };
    refused(null, /^match: sets no filter/);
    refused(m({ all: { matches: [http({ path: str('prefix', '/') }), m({ http: { match: undefined } })] } }), /match\.all\[1\]\.http: sets no filter/);
    refused(ports(0, 0), /match\.destination\.ports: sets no port/);
    refused(ports(70000, 0), /70000 is not a port/);
    refused(netmask('10.0.0.0', 0), /mask of 0 bits/);
    refused(netmask('10.0.0.0', 33), /10\.0\.0\.0\/33 is not a network/);
    refused(http({ method: { unregistered: 'GET /', type: 'unregistered' } }), /http\.method: not an HTTP method/);
    refused(m({ route_label: { key: '', value: 'x' } }), /route_label: needs a key and a value/);
  });
});

describe('the tap registry', () => {
  it('is active exactly while a session still takes requests, and numbers each session\'s requests up to its limit', () => {
    const registry = createTapRegistry();
    assert.equal(registry.active, false);
    const ended: string[] = [];
    const session = registry.open({
      limit: 2, match: (f) => f.path.startsWith('/api'), extractHeaders: false,
      sink: { write: (_event, flushed) => flushed(), end: () => ended.push('end') },
    });
    assert.equal(registry.active, true);
    assert.deepEqual(registry.claims({ ...facts, path: '/other' }), []);
    assert.deepEqual(registry.claims(facts).map((claim) => claim.id), [0]);
    assert.deepEqual(registry.claims(facts).map((claim) => claim.id), [1]);
    assert.equal(registry.active, false, 'the limit is reached: requests are no longer offered');
    assert.deepEqual(registry.claims(facts), []);
    session.release();
    assert.deepEqual(ended, [], 'one tapped request is still open');
    session.release();
    assert.deepEqual(ended, ['end']);
  });

  it('drops events beyond its capacity while the client has not taken them', () => {
    const registry = createTapRegistry();
    const written: number[] = [];
    const session = registry.open({
      limit: 10, match: () => true, extractHeaders: false, capacity: 2,
      sink: { write: (event) => written.push(event.source?.port ?? 0), end: () => undefined },
    });
    for (let i = 0; i < 5; i += 1) session.send({ source: { port: i } });
    assert.deepEqual(written, [0, 1]);
    assert.equal(session.dropped(), 3);
  });
});
