import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firewallConfig, FirewallConfigError, type FirewallFlags } from '../../src/init/firewall-config.js';
import { cleanupBatch, hasJump, installBatch, multiportGroups, multiportLimit } from '../../src/init/firewall-rules.js';
import { multiportSlots, parsePortRange } from '../../src/init/port-range.js';

const defaults: FirewallFlags = {
  incomingProxyPort: '4143', outgoingProxyPort: '4140', proxyUid: '2102', portsToRedirect: [],
  inboundPortsToIgnore: ['4190', '4191', '4567', '4568'], outboundPortsToIgnore: ['4567', '4568'], subnetsToIgnore: [],
  ipv6: true, useWaitFlag: false, simulate: false,
};

describe('proxy-init rules', () => {
  it('writes Linkerd\'s two chains, in order, with proxy-init comments, for the default flags', () => {
    assert.deepEqual(installBatch(firewallConfig(defaults), 'ipv4', ''), [
      '*nat',
      ':PROXY_INIT_REDIRECT - [0:0]',
      ':PROXY_INIT_OUTPUT - [0:0]',
      '-A PROXY_INIT_REDIRECT -p tcp --match multiport --dports 4190,4191,4567,4568 -j RETURN -m comment --comment proxy-init/ignore-port-4190,4191,4567,4568',
      '-A PROXY_INIT_REDIRECT -p tcp -j REDIRECT --to-port 4143 -m comment --comment proxy-init/redirect-all-incoming-to-proxy-port',
      '-A PREROUTING -j PROXY_INIT_REDIRECT -m comment --comment proxy-init/install-proxy-init-prerouting',
      '-A PROXY_INIT_OUTPUT -m owner --uid-owner 2102 -j RETURN -m comment --comment proxy-init/ignore-proxy-user-id',
      '-A PROXY_INIT_OUTPUT -o lo -j RETURN -m comment --comment proxy-init/ignore-loopback',
      '-A PROXY_INIT_OUTPUT -p tcp --match multiport --dports 4567,4568 -j RETURN -m comment --comment proxy-init/ignore-port-4567,4568',
      '-A PROXY_INIT_OUTPUT -p tcp -j REDIRECT --to-port 4140 -m comment --comment proxy-init/redirect-all-outgoing-to-proxy-port',
      '-A OUTPUT -j PROXY_INIT_OUTPUT -m comment --comment proxy-init/install-proxy-init-output',
      'COMMIT',
    ]);
  });

  it('redirects only the listed ports, ignores source subnets of the family at hand, and the proxy\'s group', () => {
    const config = firewallConfig({ ...defaults, portsToRedirect: ['8080', '9090'], subnetsToIgnore: ['10.0.0.0/8', 'fd00::/8'], proxyGid: '2103' });
    const v4 = installBatch(config, 'ipv4', '');
    assert.ok(v4.includes('-A PROXY_INIT_REDIRECT -p tcp --destination-port 8080 -j REDIRECT --to-port 4143 -m comment --comment proxy-init/redirect-port-8080-to-proxy-port'));
    assert.ok(v4.includes('-A PROXY_INIT_REDIRECT -p all -j RETURN -s 10.0.0.0/8 -m comment --comment proxy-init/ignore-subnet-10.0.0.0/8'));
    assert.ok(v4.includes('-A PROXY_INIT_OUTPUT -m owner --gid-owner 2103 -j RETURN -m comment --comment proxy-init/ignore-proxy-group-id'));
    assert.ok(!v4.some((line) => line.includes('redirect-all-incoming')));
    assert.ok(!v4.some((line) => line.includes('fd00::/8')));
    assert.ok(installBatch(config, 'ipv6', '').includes('-A PROXY_INIT_REDIRECT -p all -j RETURN -s fd00::/8 -m comment --comment proxy-init/ignore-subnet-fd00::/8'));
  });

  it('does not add a jump that is already there, so a second run leaves one of each', () => {
    const saved = [
      '*nat', ':PREROUTING ACCEPT [0:0]', ':PROXY_INIT_REDIRECT - [0:0]', ':PROXY_INIT_OUTPUT - [0:0]',
      '-A PREROUTING -m comment --comment "proxy-init/install-proxy-init-prerouting" -j PROXY_INIT_REDIRECT',
      '-A OUTPUT -m comment --comment "proxy-init/install-proxy-init-output" -j PROXY_INIT_OUTPUT', 'COMMIT',
    ].join('\n');
    assert.ok(hasJump(saved, 'PREROUTING', 'PROXY_INIT_REDIRECT') && hasJump(saved, 'OUTPUT', 'PROXY_INIT_OUTPUT'));
    const batch = installBatch(firewallConfig(defaults), 'ipv4', saved);
    assert.ok(!batch.some((line) => line.startsWith('-A PREROUTING') || line.startsWith('-A OUTPUT')));
    assert.ok(!hasJump('-A PREROUTING -j PROXY_INIT_REDIRECT_OTHER', 'PREROUTING', 'PROXY_INIT_REDIRECT'));
  });

  it('removes the jumps by their saved spelling, then flushes and deletes the chains; nothing when none is there', () => {
    const saved = [
      '*nat', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':PROXY_INIT_OUTPUT - [0:0]', ':PROXY_INIT_REDIRECT - [0:0]',
      '-A PREROUTING -m comment --comment "proxy-init/install-proxy-init-prerouting" -j PROXY_INIT_REDIRECT',
      '-A OUTPUT -j KUBE-SERVICES',
      '-A OUTPUT -m comment --comment "proxy-init/install-proxy-init-output" -j PROXY_INIT_OUTPUT',
      '-A PROXY_INIT_OUTPUT -o lo -j RETURN', 'COMMIT',
    ].join('\n');
    assert.deepEqual(cleanupBatch(saved), [
      '*nat',
      '-D PREROUTING -m comment --comment "proxy-init/install-proxy-init-prerouting" -j PROXY_INIT_REDIRECT',
      '-D OUTPUT -m comment --comment "proxy-init/install-proxy-init-output" -j PROXY_INIT_OUTPUT',
      '-F PROXY_INIT_REDIRECT', '-F PROXY_INIT_OUTPUT', '-X PROXY_INIT_REDIRECT', '-X PROXY_INIT_OUTPUT',
      'COMMIT',
    ]);
    assert.deepEqual(cleanupBatch('*nat\n:PREROUTING ACCEPT [0:0]\n-A OUTPUT -j KUBE-SERVICES\nCOMMIT\n'), []);
  });

  it('splits ignored ports into multiport matches of at most 15 slots, a range taking two, keeping their order', () => {
    const range = fc.oneof(
      fc.integer({ min: 1, max: 65535 }).map((port) => `${port}`),
      fc.tuple(fc.integer({ min: 1, max: 65534 }), fc.integer({ min: 1, max: 100 })).map(([low, width]) => `${low}-${Math.min(65535, low + width)}`),
    );
    fc.assert(fc.property(fc.array(range, { maxLength: 60 }), (items) => {
      const ranges = items.map(parsePortRange);
      const groups = multiportGroups(ranges);
      assert.deepEqual(groups.flat(), ranges);
      for (const group of groups) {
        assert.ok(group.length > 0);
        assert.ok(group.reduce((slots, r) => slots + multiportSlots(r), 0) <= multiportLimit);
      }
    }));
    assert.equal(installBatch(firewallConfig({ ...defaults, outboundPortsToIgnore: Array.from({ length: 16 }, (_, i) => String(1000 + i)) }), 'ipv4', '')
      .filter((line) => line.includes('PROXY_INIT_OUTPUT -p tcp --match multiport')).length, 2);
  });
});

describe('proxy-init flags', () => {
  const rejects = (flags: Partial<FirewallFlags>, pattern: RegExp): void => {
    assert.throws(() => firewallConfig({ ...defaults, ...flags }), (error: unknown) => error instanceof FirewallConfigError && pattern.test(error.message));
  };

  it('names the flag and the value that cannot be used', () => {
    rejects({ incomingProxyPort: '70000' }, /^--incoming-proxy-port must be an integer from 1 to 65535; got "70000"$/);
    rejects({ outgoingProxyPort: 'x' }, /^--outgoing-proxy-port must be an integer/);
    rejects({ proxyUid: '-5' }, /^--proxy-uid must be an integer from -1/);
    rejects({ portsToRedirect: ['80', '0'] }, /^--ports-to-redirect must be an integer from 1 to 65535; got "0"$/);
    rejects({ inboundPortsToIgnore: ['4190', '9-3'] }, /^--inbound-ports-to-ignore has a bad entry: "9-3" is a range that ends before it starts$/);
    rejects({ outboundPortsToIgnore: ['abc'] }, /^--outbound-ports-to-ignore has a bad entry: "abc" is not a port or a range/);
    rejects({ outboundPortsToIgnore: ['1-70000'] }, /^--outbound-ports-to-ignore has a bad entry: "1-70000" has 70000, which is not a port/);
    rejects({ subnetsToIgnore: ['10.0.0.0/33'] }, /^--subnets-to-ignore has "10.0.0.0\/33", which is not a network/);
    rejects({ subnetsToIgnore: ['10.0.0.1'] }, /^--subnets-to-ignore has "10.0.0.1", which is not a network in CIDR form/);
    rejects({ iptablesMode: 'ebpf' }, /^--iptables-mode must be legacy or nft; got "ebpf"$/);
    rejects({ firewallBinPath: '' }, /^--firewall-bin-path must not be empty$/);
  });

  it('chooses the binaries: legacy by default, nft on request, the mode over a path, and twins of a custom path', () => {
    assert.deepEqual(firewallConfig(defaults).binaries, {
      ipv4: { iptables: 'iptables-legacy', save: 'iptables-legacy-save', restore: 'iptables-legacy-restore' },
      ipv6: { iptables: 'ip6tables-legacy', save: 'ip6tables-legacy-save', restore: 'ip6tables-legacy-restore' },
    });
    assert.equal(firewallConfig({ ...defaults, iptablesMode: 'nft', firewallBinPath: '/x/iptables' }).binaries.ipv4.restore, 'iptables-nft-restore');
    assert.deepEqual(firewallConfig({ ...defaults, firewallBinPath: '/sbin/iptables' }).binaries, {
      ipv4: { iptables: '/sbin/iptables', save: '/sbin/iptables-save', restore: '/sbin/iptables-restore' },
      ipv6: { iptables: '/sbin/ip6tables', save: '/sbin/ip6tables-save', restore: '/sbin/ip6tables-restore' },
    });
    const custom = firewallConfig({ ...defaults, firewallBinPath: '/opt/fw' });
    assert.equal(custom.binaries.ipv6, undefined);
    assert.match(custom.ipv6Skipped ?? '', /no ip6tables binary goes with \/opt\/fw/);
    assert.equal(firewallConfig({ ...defaults, ipv6: false }).binaries.ipv6, undefined);
  });

  it('accepts ranges and an empty list, and redirects everything when no port is listed', () => {
    const config = firewallConfig({ ...defaults, inboundPortsToIgnore: ['4567-4568', '25'], outboundPortsToIgnore: [] });
    assert.deepEqual(config.inboundPortsToIgnore, [{ low: 4567, high: 4568 }, { low: 25, high: 25 }]);
    assert.equal(config.mode, 'redirect-all');
    assert.ok(!installBatch(config, 'ipv4', '').some((line) => line.includes('PROXY_INIT_OUTPUT -p tcp --match')));
  });
});
