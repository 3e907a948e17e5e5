/** Networks and their exceptions, as Linkerd's validator checks them. */
import assert from 'node:assert/strict';
import { exceptionProblem } from '../../src/admission/cidr.js';
import { networkContains, parseNetwork } from '../../src/informers/ip-network.js';

function network(text: string) {
  const parsed = parseNetwork(text);
  assert.ok(parsed !== undefined, text);
  return parsed;
}

describe('IP networks', () => {
  it('reads a bare address as a network of one', () => {
    assert.deepEqual(parseNetwork('10.0.0.1'), { address: '10.0.0.1', prefix: 32, family: 'ipv4' });
    assert.deepEqual(parseNetwork('fd00::1'), { address: 'fd00::1', prefix: 128, family: 'ipv6' });
  });

  it('reads nothing from text that names no network', () => {
    for (const text of ['everything', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0/8']) assert.equal(parseNetwork(text), undefined, text);
  });

  const contains: readonly (readonly [string, string, boolean])[] = [
    ['10.0.0.0/8', '10.0.99.0/24', true],
    ['10.0.0.0/8', '10.0.0.0/8', true],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.0/24', false],
    ['10.0.0.0/16', '10.0.0.0/8', false],
    ['10.1.2.3/8', '10.200.0.0/16', true],
    ['0.0.0.0/0', '192.168.1.1', true],
    ['fd00::/8', 'fd12:3456::/32', true],
    ['fd00::/8', 'fe80::/10', false],
    ['::/0', '10.0.0.1', false],
    ['10.0.0.0/8', 'fd00::1', false],
  ];

  for (const [outer, inner, expected] of contains) {
    it(`${expected ? 'finds' : 'does not find'} ${inner} inside ${outer}`, () => {
      assert.equal(networkContains(network(outer), network(inner)), expected);
    });
  }

  it('takes an exception inside its network that leaves some of it', () => {
    assert.equal(exceptionProblem('10.0.0.0/8', '10.0.99.0/24'), undefined);
    assert.equal(exceptionProblem('10.0.0.0/8', '10.0.0.1'), undefined);
  });

  it('refuses an exception that is the whole network or more, or lies outside it', () => {
    assert.equal(exceptionProblem('10.0.0.0/8', '10.0.0.0/8'), "cidr '10.0.0.0/8' is completely negated by exception '10.0.0.0/8'");
    assert.equal(exceptionProblem('10.0.0.0/16', '0.0.0.0/0'), "cidr '10.0.0.0/16' is completely negated by exception '0.0.0.0/0'");
    assert.equal(exceptionProblem('10.0.0.0/8', '192.168.0.1'), "cidr '10.0.0.0/8' does not include exception '192.168.0.1'");
  });
});
