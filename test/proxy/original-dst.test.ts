import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { OriginalDstError, originalDestination, socketDescriptor } from '../../src/proxy/original-dst.js';

/** The proxy's port inside the test namespace; the namespace is new, so nothing else holds it. */
const PROXY_PORT = 15001;
const MODULE_URL = new URL('../../src/proxy/original-dst.js', import.meta.url).href;

function run(command: string, args: readonly string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim() };
}

function must(command: string, args: readonly string[]): void {
  const result = run(command, args);
  if (!result.ok) throw new Error(`${command} ${args.join(' ')} failed: ${result.output}`);
}

/** Why the namespace tests cannot run here, or undefined when they can. */
function whyNoNamespace(): string | undefined {
  if (process.platform !== 'linux') return `SO_ORIGINAL_DST is Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces and iptables need root';
  for (const tool of ['iptables', 'ip6tables', 'ip']) {
    const found = run(tool, tool === 'ip' ? ['-V'] : ['--version']);
    if (!found.ok) return `${tool} is not usable (${found.output}); install the iptables and iproute2 packages`;
  }
  return undefined;
}

/**
 * Runs one node process inside the namespace: a server on `listen` port PROXY_PORT that reports
 * originalDestination() of the first connection, and a client that dials `dial`.
 */
function reportInside(namespace: string, listen: string, dial: { host: string; port: number }): unknown {
  const script = `
    import net from 'node:net';
    import { originalDestination } from ${JSON.stringify(MODULE_URL)};
    const server = net.createServer((socket) => {
      let report;
      try { report = { found: originalDestination(socket) ?? null }; } catch (error) { report = { error: String(error) }; }
      process.stdout.write(JSON.stringify(report));
      socket.destroy();
      server.close();
    });
    server.listen(${PROXY_PORT}, ${JSON.stringify(listen)}, () => {
      net.connect(${dial.port}, ${JSON.stringify(dial.host)}).on('error', (error) => {
        process.stdout.write(JSON.stringify({ error: 'client: ' + error.message }));
        process.exit(1);
      });
    });`;
  const result = spawnSync('ip', ['netns', 'exec', namespace, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, `node in the namespace failed: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe('original destination of a connection', () => {
  describe('redirected by iptables in a network namespace', function () {
    const namespace = `sinew-odst-${process.pid}`;
    let created = false;

    before(function () {
      const why = whyNoNamespace();
      if (why !== undefined) {
        if (process.env.SINEW_REQUIRE_NETNS === '1') throw new Error(`the iptables REDIRECT tests must run here (SINEW_REQUIRE_NETNS=1) but cannot: ${why}`);
        console.log(`      skipping the iptables REDIRECT tests: ${why}`);
        this.skip();
      }
      must('ip', ['netns', 'add', namespace]);
      created = true;
      must('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
      const redirect = ['-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '--dport', '81', '-j', 'REDIRECT', '--to-ports', String(PROXY_PORT)];
      must('ip', ['netns', 'exec', namespace, 'iptables', ...redirect.slice(0, 6), '-d', '127.0.0.2', ...redirect.slice(6)]);
      must('ip', ['netns', 'exec', namespace, 'ip6tables', ...redirect.slice(0, 6), '-d', '::1', ...redirect.slice(6)]);
    });

    after(() => {
      if (created) must('ip', ['netns', 'del', namespace]);
    });

    it('reports the IPv4 address and port the client dialled', () => {
      assert.deepEqual(reportInside(namespace, '127.0.0.1', { host: '127.0.0.2', port: 81 }), { found: { host: '127.0.0.2', port: 81 } });
    });

    it('reports the IPv6 address and port the client dialled', () => {
      assert.deepEqual(reportInside(namespace, '::1', { host: '::1', port: 81 }), { found: { host: '::1', port: 81 } });
    });

    it('reports a plain IPv4 address for an IPv4 client of a dual-stack listener', () => {
      assert.deepEqual(reportInside(namespace, '::', { host: '127.0.0.2', port: 81 }), { found: { host: '127.0.0.2', port: 81 } });
    });

    it('reports nothing for a connection tracked but not redirected', () => {
      assert.deepEqual(reportInside(namespace, '127.0.0.1', { host: '127.0.0.1', port: PROXY_PORT }), { found: null });
      assert.deepEqual(reportInside(namespace, '::', { host: '::1', port: PROXY_PORT }), { found: null });
    });
  });

  describe('without a redirect', () => {
    let server: net.Server;
    let client: net.Socket;
    let accepted: net.Socket;

    beforeEach(async () => {
      server = net.createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      [accepted] = (await once(server, 'connection')) as [net.Socket];
    });

    afterEach(() => {
      client.destroy();
      accepted.destroy();
      server.close();
    });

    it('reports nothing for a plain loopback connection', () => {
      assert.equal(originalDestination(accepted), undefined);
    });

    it('finds the descriptor of a connected socket and none once it is closed', async () => {
      const fd = socketDescriptor(accepted);
      assert.ok(fd !== undefined && fd > 2, `descriptor ${fd}`);
      accepted.destroy();
      await once(accepted, 'close');
      assert.equal(socketDescriptor(accepted), undefined);
    });

    it('throws OriginalDstError, not a crash, for a closed socket', async () => {
      accepted.destroy();
      await once(accepted, 'close');
      assert.throws(
        () => originalDestination(accepted),
        (error: unknown) => error instanceof OriginalDstError && error.code === 'EBADF' && /no file descriptor/.test(error.message),
      );
    });
  });
});
