import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sinewBin } from '../support/control-plane-process.js';
import { skipWithoutNetns } from '../support/netns-world.js';

/** `sinew proxy-init` as an init container runs it, inside a network namespace the test creates. */
describe('sinew proxy-init in a network namespace', function () {
  this.timeout(60_000);
  const netns = `sinew-init-${process.pid}`;
  let dir = '';

  const sh = (command: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } => {
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  };
  const inside = (args: readonly string[], prefix: readonly string[] = []): ReturnType<typeof sh> =>
    sh('ip', ['netns', 'exec', netns, ...prefix, process.execPath, sinewBin, 'proxy-init', ...args]);
  /** The nat table without comment lines and counters, which differ between two reads. */
  const rules = (save = 'iptables-legacy-save'): string => {
    const result = sh('ip', ['netns', 'exec', netns, save, '-t', 'nat']);
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.split('\n').filter((line) => !line.startsWith('#')).map((line) => line.replace(/\[\d+:\d+\]/, '')).join('\n');
  };

  before(function () {
    skipWithoutNetns(this, 'the proxy-init namespace tests');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-init-'));
  });

  beforeEach(() => {
    sh('ip', ['netns', 'del', netns]);
    assert.equal(sh('ip', ['netns', 'add', netns]).status, 0);
  });

  afterEach(() => {
    sh('ip', ['netns', 'del', netns]);
  });

  after(() => {
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes both chains for IPv4 and IPv6, and a second run leaves the same iptables-save output', () => {
    const empty = rules();
    const first = inside([]);
    assert.equal(first.status, 0, first.stderr);
    const once = rules();
    const once6 = rules('ip6tables-legacy-save');
    assert.notEqual(once, empty);
    assert.match(once, /^-A PREROUTING -m comment --comment "proxy-init\/install-proxy-init-prerouting" -j PROXY_INIT_REDIRECT$/m);
    assert.match(once, /^-A PROXY_INIT_REDIRECT -p tcp -m multiport --dports 4190,4191,4567,4568 .*-j RETURN$/m);
    assert.match(once6, /^-A OUTPUT -m comment --comment "proxy-init\/install-proxy-init-output" -j PROXY_INIT_OUTPUT$/m);
    // It prints the rules it leaves in place.
    assert.match(first.stdout, /proxy-init\/redirect-all-outgoing-to-proxy-port/);
    assert.equal(inside([]).status, 0);
    assert.equal(rules(), once);
    assert.equal(rules('ip6tables-legacy-save'), once6);
  });

  it('replaces its rules on a run with other flags, and --cleanup restores the table it found', () => {
    const empty = rules();
    assert.equal(inside(['--inbound-ports-to-ignore', '4190,4191,25-26', '--proxy-uid', '999']).status, 0);
    assert.equal(inside(['--inbound-ports-to-ignore', '4190,4191', '--ports-to-redirect', '8080']).status, 0);
    const now = rules();
    assert.doesNotMatch(now, /25:26|uid-owner 999/);
    assert.match(now, /--dport 8080 .*-j REDIRECT --to-ports 4143/);
    assert.equal(now.match(/-j PROXY_INIT_REDIRECT$/gm)?.length, 1);
    const cleaned = inside(['--cleanup']);
    assert.equal(cleaned.status, 0, cleaned.stderr);
    assert.equal(rules(), empty);
    assert.equal(inside(['--cleanup']).status, 0, 'cleaning a clean table is not an error');
  });

  it('drives iptables-nft with --iptables-mode nft', () => {
    const result = inside(['--iptables-mode', 'nft', '--ipv6=false']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(rules('iptables-nft-save'), /^-A PROXY_INIT_OUTPUT -m owner --uid-owner 2102 .*-j RETURN$/m);
  });

  it('prints the commands and changes nothing with --simulate', () => {
    const empty = rules();
    const result = inside(['--simulate']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^iptables-legacy-restore --noflush <<EOF$/m);
    assert.match(result.stdout, /^-A PROXY_INIT_OUTPUT -p tcp -j REDIRECT --to-port 4140 /m);
    assert.equal(rules(), empty);
  });

  it('exits 1 naming a missing iptables binary, and changes nothing', () => {
    const empty = rules();
    const result = inside(['--firewall-bin-path', path.join(dir, 'no-such-iptables')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no-such-iptables-save was not found: install the iptables package .*; no rule was changed/);
    assert.equal(rules(), empty);
  });

  it('exits 1 naming the missing permission when run without root or NET_ADMIN, and changes nothing', () => {
    const empty = rules();
    const result = inside(['--iptables-mode', 'nft'], ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all']);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /iptables-nft-save was not permitted .*Permission denied.*needs root or the NET_ADMIN and NET_RAW capabilities; no rule was changed/);
    assert.equal(rules(), empty);
  });

  it('exits 2 for a flag that cannot be used, before touching the firewall', () => {
    const empty = rules();
    for (const [args, message] of [
      [['--incoming-proxy-port', '0'], /--incoming-proxy-port must be an integer from 1 to 65535; got "0"/],
      [['--subnets-to-ignore', 'ten/8'], /--subnets-to-ignore has "ten\/8", which is not a network/],
      [['--ipv6=maybe'], /--ipv6 must be true or false; got "maybe"/],
      [['--no-such-flag'], /Unknown option '--no-such-flag'/],
    ] as const) {
      const result = inside(args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    assert.equal(rules(), empty);
  });

  it('leaves no partial rules when the batch fails halfway (the kernel rejects a later rule)', () => {
    // An iptables-legacy-restore that appends a rule the kernel refuses before COMMIT: the real
    // restore applies nothing of the batch. The save binary is the real one.
    const bin = path.join(dir, 'iptables');
    fs.writeFileSync(`${bin}-restore`, '#!/bin/sh\nsed \'s/^COMMIT$/-A PROXY_INIT_OUTPUT -j NO_SUCH_TARGET\\nCOMMIT/\' | exec iptables-legacy-restore "$@"\n', { mode: 0o755 });
    fs.symlinkSync(fs.realpathSync('/usr/sbin/iptables-legacy-save'), `${bin}-save`);
    const empty = rules();
    const result = inside(['--firewall-bin-path', bin, '--ipv6=false']);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /iptables-restore failed with exit status \d+: .*NO_SUCH_TARGET.*; no rule was changed/);
    assert.equal(rules(), empty);
  });
});
