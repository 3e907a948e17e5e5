/**
 * The proxy's admin server over real sockets (probes, metrics, env.json, the log level, shutdown,
 * and the refusal of non-loopback callers), and the log filter it reads and replaces.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import { createLogger } from '../../src/observe/logger.js';
import { isLoopback, maxLogLevelBody, startProxyAdmin, AdminListenError, type ProxyAdminOptions, type RunningAdmin } from '../../src/proxy/admin-server.js';
import { followLogLevel, levelFor, LogFilterError, logLevelSetting, parseLogFilter } from '../../src/proxy/log-level.js';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

interface CallOptions {
  readonly method?: string;
  readonly body?: string;
  readonly host?: string;
  readonly localAddress?: string;
  /** Send the body in chunks, without a content-length. */
  readonly chunked?: boolean;
}

function call(port: number, path: string, options: CallOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: options.host ?? '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false, localAddress: options.localAddress,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.chunked === true && options.body !== undefined) {
      for (let at = 0; at < options.body.length; at += 1000) req.write(options.body.slice(at, at + 1000));
      req.end();
    } else req.end(options.body);
  });
}

interface Harness {
  readonly admin: RunningAdmin;
  readonly shutdowns: number[];
  ready: boolean;
  readonly setting: ReturnType<typeof logLevelSetting>;
}

async function harness(overrides: Partial<ProxyAdminOptions> = {}): Promise<Harness> {
  const shutdowns: number[] = [];
  const setting = logLevelSetting('warn,linkerd=info');
  const state = { ready: false };
  const admin = await startProxyAdmin({
    listen: { host: '127.0.0.1', port: 0 },
    ready: () => state.ready,
    metrics: () => Promise.resolve('# TYPE up gauge\nup 1\n'),
    env: { LINKERD2_PROXY_LOG: 'warn', SINEW_PROXY_INBOUND_FORWARD_HOST: '127.0.0.1', HOME: '/root', AWS_SECRET: 'hidden' },
    logLevel: setting,
    shutdownEnabled: true,
    shutdown: () => { shutdowns.push(Date.now()); },
    ...overrides,
  });
  return Object.assign(state, { admin, shutdowns, setting });
}

describe('isLoopback', () => {
  it('admits 127.0.0.0/8, ::1 and IPv4-mapped loopback in any spelling', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:127.9.8.7', '::ffff:7f00:1']) {
      assert.equal(isLoopback(address), true, address);
    }
  });

  it('refuses every other address, a missing one (Unix sockets) and text that is not an address', () => {
    for (const address of ['10.0.0.1', '192.0.2.2', '128.0.0.1', '0.0.0.0', '::', 'fd00::2', '::ffff:10.0.0.1', '::ffff:8000:1', 'localhost', '', '1127.0.0.1', undefined]) {
      assert.equal(isLoopback(address), false, String(address));
    }
  });
});

describe('proxy admin server', () => {
  let h: Harness;
  beforeEach(async () => { h = await harness(); });
  afterEach(async () => { await h.admin.close(); });

  it('answers /live at once and /ready only once the proxy is ready', async () => {
    assert.deepEqual(await call(h.admin.port, '/live').then((a) => [a.status, a.body]), [200, 'live\n']);
    assert.deepEqual(await call(h.admin.port, '/ready').then((a) => [a.status, a.body]), [503, 'not ready\n']);
    h.ready = true;
    assert.deepEqual(await call(h.admin.port, '/ready').then((a) => [a.status, a.body]), [200, 'ready\n']);
  });

  it('serves the metrics text as Prometheus text format 0.0.4', async () => {
    const answer = await call(h.admin.port, '/metrics');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'text/plain; version=0.0.4');
    assert.equal(answer.body, '# TYPE up gauge\nup 1\n');
  });

  it('answers 500 when the metrics cannot be rendered, and keeps serving', async () => {
    await h.admin.close();
    h = await harness({ metrics: () => Promise.reject(new Error('registry broke')) });
    assert.equal((await call(h.admin.port, '/metrics')).status, 500);
    assert.equal((await call(h.admin.port, '/live')).status, 200);
  });

  it('shows only the proxy\'s own variables in /env.json, and selected ones on request', async () => {
    const all = await call(h.admin.port, '/env.json');
    assert.equal(all.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(all.body), { LINKERD2_PROXY_LOG: 'warn', SINEW_PROXY_INBOUND_FORWARD_HOST: '127.0.0.1' });
    const some = await call(h.admin.port, '/env.json?LINKERD2_PROXY_LOG&LINKERD2_PROXY_CORES&AWS_SECRET');
    assert.deepEqual(JSON.parse(some.body), { LINKERD2_PROXY_LOG: 'warn', LINKERD2_PROXY_CORES: null, AWS_SECRET: null });
    assert.equal((await call(h.admin.port, '/env.json?LINKERD2_PROXY_LOG=debug')).status, 400);
  });

  it('reads and replaces the log filter from localhost', async () => {
    assert.deepEqual(await call(h.admin.port, '/proxy-log-level').then((a) => [a.status, a.body]), [200, 'warn,linkerd=info']);
    const put = await call(h.admin.port, '/proxy-log-level', { method: 'PUT', body: 'debug,linkerd=trace' });
    assert.equal(put.status, 204);
    assert.equal(h.setting.get(), 'debug,linkerd=trace');
    assert.equal((await call(h.admin.port, '/proxy-log-level')).body, 'debug,linkerd=trace');
  });

  it('refuses a bad log filter with 400 naming the directive, leaving the filter as it was', async () => {
    const answer = await call(h.admin.port, '/proxy-log-level', { method: 'PUT', body: 'warn,linkerd=loud' });
    assert.equal(answer.status, 400);
    assert.match(answer.body, /"linkerd=loud": "loud" is not a level/);
    assert.equal(h.setting.get(), 'warn,linkerd=info');
  });

  it('refuses a log filter body over the limit with 413', async () => {
    const answer = await call(h.admin.port, '/proxy-log-level', { method: 'PUT', body: 'info,' + 'a=info,'.repeat(maxLogLevelBody / 6) });
    assert.equal(answer.status, 413);
    const chunked = await call(h.admin.port, '/proxy-log-level', { method: 'PUT', chunked: true, body: 'info,' + 'a=info,'.repeat(maxLogLevelBody / 6) });
    assert.equal(chunked.status, 413);
    assert.equal(h.setting.get(), 'warn,linkerd=info');
    const small = await call(h.admin.port, '/proxy-log-level', { method: 'PUT', chunked: true, body: 'info,' + 'a=info,'.repeat(500) });
    assert.equal(small.status, 204);
  });

  it('shuts down on POST /shutdown from localhost, after answering', async () => {
    const answer = await call(h.admin.port, '/shutdown', { method: 'POST' });
    assert.deepEqual([answer.status, answer.body], [200, 'shutdown\n']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(h.shutdowns.length, 1);
  });

  it('has no shutdown endpoint unless it is enabled', async () => {
    await h.admin.close();
    h = await harness({ shutdownEnabled: false });
    assert.equal((await call(h.admin.port, '/shutdown', { method: 'POST' })).status, 404);
    assert.equal(h.shutdowns.length, 0);
  });

  it('answers 404 for unknown paths and 405 with allow for wrong methods', async () => {
    assert.equal((await call(h.admin.port, '/nope')).status, 404);
    const live = await call(h.admin.port, '/live', { method: 'POST' });
    assert.deepEqual([live.status, live.headers['allow']], [405, 'GET, HEAD']);
    const shutdown = await call(h.admin.port, '/shutdown');
    assert.deepEqual([shutdown.status, shutdown.headers['allow']], [405, 'POST']);
    assert.equal((await call(h.admin.port, '/proxy-log-level', { method: 'DELETE' })).status, 405);
    assert.equal(h.shutdowns.length, 0);
  });

  it('stops accepting connections on close, and a second close is harmless', async () => {
    const port = h.admin.port;
    await h.admin.close();
    await h.admin.close();
    await assert.rejects(call(port, '/live'), /ECONNREFUSED/);
  });

  it('rejects with an AdminListenError naming the address it cannot listen on', async () => {
    await assert.rejects(harness({ listen: { host: '127.0.0.1', port: h.admin.port } }), (error: unknown) => {
      assert.ok(error instanceof AdminListenError);
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${h.admin.port}.*EADDRINUSE`));
      return true;
    });
  });
});

describe('proxy admin server, reached from a non-loopback address', () => {
  const external = Object.values(os.networkInterfaces()).flat().find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);

  it('refuses /proxy-log-level and /shutdown with 403 but still answers the probes', async function () {
    if (external === undefined) {
      // Without a non-loopback interface no socket can reach the server from such an address;
      // isLoopback's own tests above cover the decision.
      this.skip();
    }
    const h = await harness({ listen: { host: '0.0.0.0', port: 0 } });
    try {
      const from = { host: external.address, localAddress: external.address };
      assert.equal((await call(h.admin.port, '/live', from)).status, 200);
      assert.equal((await call(h.admin.port, '/proxy-log-level', from)).status, 403);
      assert.equal((await call(h.admin.port, '/proxy-log-level', { ...from, method: 'PUT', body: 'trace' })).status, 403);
      assert.equal((await call(h.admin.port, '/shutdown', { ...from, method: 'POST' })).status, 403);
      assert.equal(h.setting.get(), 'warn,linkerd=info');
      assert.equal(h.shutdowns.length, 0);
      assert.equal((await call(h.admin.port, '/proxy-log-level', { method: 'PUT', body: 'info' })).status, 204);
    } finally {
      await h.admin.close();
    }
  });
});

describe('proxy log filter', () => {
  it('takes the first bare level as the default and the longest matching target for a record', () => {
    const filter = parseLogFilter('warn,linkerd=info,linkerd_proxy=debug,hickory=error,[{headers}]=off,error');
    assert.equal(filter.defaultLevel, 'warn');
    assert.equal(levelFor(filter, 'linkerd'), 'info');
    assert.equal(levelFor(filter, 'linkerd_app_inbound'), 'info');
    assert.equal(levelFor(filter, 'linkerd_proxy_http'), 'debug');
    assert.equal(levelFor(filter, 'hickory_resolver'), 'error');
    assert.equal(levelFor(filter, 'kube'), 'warn');
  });

  it('logs nothing for unnamed targets without a bare level, and errors for an empty filter', () => {
    assert.equal(levelFor(parseLogFilter('linkerd=info'), 'other'), 'off');
    assert.equal(levelFor(parseLogFilter(''), 'linkerd'), 'error');
    assert.equal(levelFor(parseLogFilter('OFF'), 'linkerd'), 'off');
    assert.equal(levelFor(parseLogFilter(' Debug '), 'linkerd'), 'debug');
  });

  it('names each bad directive', () => {
    for (const [filter, named] of [['verbose', '"verbose"'], ['linkerd=loud', '"loud"'], ['warn,a b', '"a b"'], ['=info', '"=info"']] as const) {
      assert.throws(() => parseLogFilter(filter), (error: unknown) => error instanceof LogFilterError && error.message.includes(named), filter);
    }
  });

  it('replaces a setting whole, or not at all on a bad filter', () => {
    const setting = logLevelSetting('info');
    setting.set('linkerd=debug,warn');
    assert.deepEqual([setting.get(), setting.level(), setting.level('other')], ['linkerd=debug,warn', 'debug', 'warn']);
    assert.throws(() => setting.set('linkerd=loud'), LogFilterError);
    assert.equal(setting.get(), 'linkerd=debug,warn');
  });

  it('makes a following logger pass records only while the setting allows their level', () => {
    const lines: string[] = [];
    const setting = logLevelSetting('warn,linkerd=info');
    const log = followLogLevel(setting, createLogger({ level: 'debug', write: (line) => lines.push(line) }));
    const child = log.child({ conn: 1 });
    log.debug('d1'); log.info('i1'); child.info('c1');
    setting.set('linkerd=debug');
    log.debug('d2');
    setting.set('off');
    log.error('e3'); child.error('c3');
    assert.deepEqual(lines.map((line) => /msg=(\S+)/.exec(line)?.[1]), ['i1', 'c1', 'd2']);
    assert.match(lines[1] ?? '', /conn=1/);
  });
});
