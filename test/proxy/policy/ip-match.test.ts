/**
 * The word-based network checks agree with Node's BlockList (through informers/ip-network.ts, the
 * control plane's reader of networks) on random IPv4 and IPv6 addresses and networks.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { networkHolds } from '../../../src/informers/ip-network.js';
import { ipNetwork, networkHas, parseIp } from '../../../src/proxy/policy/ip-match.js';

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((groups) => groups.map((group) => group.toString(16)).join(':'));
/** An address near another: same leading bits, then random ones, so that prefixes cut both ways. */
const near = (address: string, family: 4 | 6) => fc.nat(family === 4 ? 31 : 127).chain((keep) => (family === 4 ? v4 : v6).map((other) => {
  const a = parseIp(address);
  const b = parseIp(other);
  if (a === undefined || b === undefined) return other;
  const words = a.words.map((word, i) => {
    const left = Math.min(Math.max(keep - i * 32, 0), 32);
    const mask = left === 0 ? 0 : (0xffffffff << (32 - left)) >>> 0;
    return ((word & mask) | ((b.words[i] as number) & ~mask)) >>> 0;
  });
  return family === 4 ? [24, 16, 8, 0].map((shift) => ((words[0] as number) >>> shift) & 255).join('.')
    : words.flatMap((word) => [(word >>> 16).toString(16), (word & 0xffff).toString(16)]).join(':');
}));

describe('IP network checks', () => {
  for (const [family, arb, bits] of [[4, v4, 32], [6, v6, 128]] as const) {
    it(`agree with BlockList on IPv${family}`, () => {
      fc.assert(fc.property(arb.chain((net) => fc.tuple(fc.constant(net), fc.nat(bits), near(net, family))), ([net, prefix, address]) => {
        const network = ipNetwork(net, prefix);
        const parsed = parseIp(address);
        assert.ok(network && parsed);
        assert.equal(networkHas(network, parsed), networkHolds(`${net}/${prefix}`, address), `${address} in ${net}/${prefix}`);
      }), { numRuns: 2000 });
    });
  }

  it('reads IPv4-mapped IPv6 addresses as IPv4, never matches across families, and refuses what is no address', () => {
    const office = ipNetwork('192.168.0.0', 16);
    assert.ok(office);
    const mapped = parseIp('::ffff:192.168.3.4');
    assert.ok(mapped && networkHas(office, mapped));
    const everything6 = ipNetwork('::', 0);
    const plain4 = parseIp('10.0.0.1');
    assert.ok(everything6 && plain4 && !networkHas(everything6, plain4));
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', 'a.b.c.d', 'fe80::1::2']) assert.equal(parseIp(bad), undefined, bad);
    assert.equal(ipNetwork('10.0.0.0', 33), undefined);
    assert.deepEqual(parseIp('fe80::1%eth0')?.words, [0xfe800000, 0, 0, 1]);
  });
});
