/**
 * The dashboard's HTTP layer without a browser: who it serves (Host, Origin), the headers on every
 * answer, the addresses it knows, and the checks on queries before anything reaches the metrics
 * API or the tap server. The metrics API here is a fixed one following the contract's types.
 */
import assert from 'node:assert/strict';
import { DashboardListenError, type DashboardServer, startDashboard } from '../../src/viz/dashboard/dashboard-server.js';
import { EnforcedHostError } from '../../src/viz/dashboard/host-check.js';
import { MissingAssetsError } from '../../src/viz/dashboard/static-assets.js';
import { MetricsApiError, type MetricsApi } from '../../src/viz/metrics-api-types.js';
import { formatTapLine } from '../../src/viz/tap/tap-event.js';
import {
  fixedMetricsApi, openSocket, rawRequest, type RawAnswer, recordingMetricsApi, type RecordingMetricsApi, requestEvents, sampleAnswers,
  scriptedTap, type ScriptedTap,
} from '../support/dashboard-fixtures.js';

function assertSecurityHeaders(answer: RawAnswer | { headers: RawAnswer['headers'] }, what: string): void {
  const csp = String(answer.headers['content-security-policy'] ?? '');
  assert.match(csp, /script-src 'self'(;|$)/, `${what}: CSP ${csp}`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${what}: CSP ${csp}`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP ${csp}`);
  assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(answer.headers['x-frame-options'], 'DENY', what);
  assert.equal(answer.headers['referrer-policy'], 'no-referrer', what);
}

const tapQuery = '/api/tap?namespace=shop&resource_type=deployment&resource_name=web';

describe('sinew viz dashboard: HTTP security', () => {
  let dashboard: DashboardServer;
  let metrics: RecordingMetricsApi;
  let tap: ScriptedTap;
  let local: string;
  const events = [...requestEvents(1, '/books/1'), ...requestEvents(2, '/books/2', 503)];

  before(async () => {
    metrics = recordingMetricsApi(fixedMetricsApi(sampleAnswers));
    tap = scriptedTap(events);
    dashboard = await startDashboard({ metrics: metrics.api, tap: tap.source, port: 0, enforcedHost: 'web\\.linkerd-viz\\.svc(:\\d+)?' });
    local = `127.0.0.1:${dashboard.port}`;
  });
  after(async () => dashboard?.close());

  it('prints a local URL with the port it bound', () => {
    assert.equal(dashboard.url, `http://127.0.0.1:${dashboard.port}/`);
  });

  it('sets the security headers on pages, assets, API answers, 404s, 405s and refused hosts', async () => {
    const answers: [string, RawAnswer][] = [
      ['page', await rawRequest(dashboard.port, '/', { host: local })],
      ['asset', await rawRequest(dashboard.port, '/assets/dashboard.js', { host: local })],
      ['api', await rawRequest(dashboard.port, '/api/v1/namespaces', { host: local })],
      ['bad query', await rawRequest(dashboard.port, '/api/v1/stat', { host: local })],
      ['404', await rawRequest(dashboard.port, '/nowhere', { host: local })],
      ['405', await rawRequest(dashboard.port, '/', { host: local }, 'POST')],
      ['foreign host', await rawRequest(dashboard.port, '/', { host: 'evil.example' })],
    ];
    for (const [what, answer] of answers) assertSecurityHeaders(answer, what);
    assert.deepEqual(answers.map(([, answer]) => answer.status), [200, 200, 200, 400, 404, 405, 400]);
  });

  it('refuses with 400 a Host that is not a local name, as a page whose DNS name was rebound to 127.0.0.1 would send', async () => {
    const before = metrics.calls.length;
    for (const host of ['evil.example', `evil.example:${dashboard.port}`, '127.0.0.1.evil.example', 'localhost.evil.example:80', 'web.linkerd-viz.svc.evil.example', '']) {
      for (const path of ['/', '/api/v1/namespaces']) {
        const answer = await rawRequest(dashboard.port, path, host === '' ? {} : { host });
        assert.equal(answer.status, 400, `Host ${JSON.stringify(host)} ${path}`);
        assert.match(answer.body, /DNS rebinding/);
        assert.match(answer.body, /--enforced-host/);
      }
    }
    assert.equal(metrics.calls.length, before, 'a refused request never reaches the metrics API');
  });

  it('serves localhost, 127.0.0.1 and [::1] with any port, and the --enforced-host names', async () => {
    for (const host of ['localhost', `localhost:${dashboard.port}`, 'LOCALHOST:1', '127.0.0.1', local, '[::1]', '[::1]:50750', 'web.linkerd-viz.svc', 'web.linkerd-viz.svc:8084']) {
      const answer = await rawRequest(dashboard.port, '/', { host });
      assert.equal(answer.status, 200, `Host ${host}`);
      assert.match(answer.body, /<script type="module" src="\/assets\/dashboard\.js">/);
    }
  });

  it('answers 404 for addresses that are neither pages, assets nor endpoints', async () => {
    for (const path of ['/nowhere', '/namespaces/Bad_Name', '/namespaces/shop/widgets/web', '/namespaces/shop/deployments', '/namespaces/shop/deployments/web/extra',
      '/assets/missing.js', '/assets/../../package.json', '/assets/', '/api/v1/other', '/api/tap', '/index.html']) {
      const answer = await rawRequest(dashboard.port, path, { host: local });
      assert.equal(answer.status, 404, path);
    }
    for (const path of ['/', '/namespaces', '/namespaces/shop', '/namespaces/shop/deployments/web', '/namespaces/shop/pods/web-1', '/assets/dashboard.css']) {
      assert.equal((await rawRequest(dashboard.port, path, { host: local })).status, 200, path);
    }
  });

  it('answers 405 to methods other than GET and HEAD', async () => {
    const post = await rawRequest(dashboard.port, '/api/v1/namespaces', { host: local }, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    const head = await rawRequest(dashboard.port, '/assets/dashboard.js', { host: local }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  it('refuses malformed API queries with 400 naming the parameter, without asking the metrics API', async () => {
    const before = metrics.calls.length;
    const cases: [string, RegExp][] = [
      ['/api/v1/stat', /resource_type: is required/],
      ['/api/v1/stat?resource_type=widget&namespace=shop', /resource_type: must be one of/],
      ['/api/v1/stat?resource_type=deployment&namespace=shop&window=forever', /window: must be a duration/],
      ['/api/v1/stat?resource_type=deployment&namespace=Bad%20Name', /namespace: must be a Kubernetes name/],
      ['/api/v1/stat?resource_type=deployment&namespace=shop&evil=1', /evil: is not a parameter/],
      ['/api/v1/edges?resource_type=deployment&window=1m', /window: is not a parameter/],
      ['/api/v1/routes?resource_type=deployment&to_name=web', /to_type: is required with to_name/],
      ['/api/v1/namespaces?all=true', /all: is not a parameter/],
    ];
    for (const [path, message] of cases) {
      const answer = await rawRequest(dashboard.port, path, { host: local });
      assert.equal(answer.status, 400, path);
      assert.equal(answer.headers['content-type'], 'application/json');
      assert.match((JSON.parse(answer.body) as { error: string }).error, message, path);
    }
    assert.equal(metrics.calls.length, before);
  });

  it('passes the metrics API the parsed query and its JSON back unchanged', async () => {
    const answer = await rawRequest(dashboard.port, '/api/v1/stat?resource_type=deployment&namespace=shop&window=10s&tcp_stats=true', { host: local });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(answer.body), { rows: sampleAnswers.stat.rows.filter((row) => row.resource.type === 'deployment') });
    const last = metrics.calls.at(-1);
    assert.deepEqual(last?.query, { resource: { type: 'deployment', namespace: 'shop', name: '' }, window: '10s', tcp: true });
  });

  it('answers 502 naming the metrics API when it fails, and 400 when it refuses the query', async () => {
    const failing = (error: Error): MetricsApi => ({ ...fixedMetricsApi(sampleAnswers), namespaces: () => Promise.reject(error) });
    for (const [error, status] of [[new MetricsApiError(503, 'prometheus is down'), 502], [new MetricsApiError(400, 'namespace: unknown'), 400], [new Error('connect ECONNREFUSED'), 502]] as const) {
      const server = await startDashboard({ metrics: failing(error), tap: tap.source, port: 0 });
      try {
        const answer = await rawRequest(server.port, '/api/v1/namespaces', { host: 'localhost' });
        assert.equal(answer.status, status);
        assert.equal((JSON.parse(answer.body) as { error: string }).error, `metrics API: ${error.message}`);
      } finally {
        await server.close();
      }
    }
  });

  it('refuses with 403 a WebSocket from another origin, and starts no tap', async () => {
    const before = tap.requests.length;
    for (const origin of ['http://evil.example', `http://evil.example:${dashboard.port}`, 'http://127.0.0.1:1', 'null', `ws://${local}`, undefined]) {
      const outcome = await openSocket(dashboard.port, tapQuery, { host: local, ...(origin === undefined ? {} : { origin }) });
      assert.equal(outcome.opened, false, `origin ${String(origin)}`);
      if (outcome.opened) continue;
      assert.equal(outcome.status, 403, `origin ${String(origin)}`);
      assertSecurityHeaders(outcome, 'refused upgrade');
    }
    assert.equal(tap.requests.length, before);
  });

  it('refuses with 400 a WebSocket whose Host is foreign even when the Origin matches it', async () => {
    const outcome = await openSocket(dashboard.port, tapQuery, { host: 'evil.example', origin: 'http://evil.example' });
    assert.equal(outcome.opened ? 101 : outcome.status, 400);
  });

  it('refuses a malformed tap query with 400 naming the parameter, and other socket addresses with 404', async () => {
    const origin = `http://${local}`;
    const cases: [string, number, RegExp][] = [
      ['/api/tap?namespace=shop&resource_type=deployment', 400, /resource_name: is required/],
      [`${tapQuery}&path=books`, 400, /path: must start with \//],
      [`${tapQuery}&path=/a%20b`, 400, /path: must be 1 to 1024 printable/],
      ['/api/tap?namespace=shop&resource_type=service&resource_name=web', 400, /resource_type: must be one of/],
      [`${tapQuery}&max_rps=1e9`, 400, /max_rps: must be a number/],
      [`${tapQuery}&to=x`, 400, /to: is not a tap parameter/],
      ['/api/other?namespace=shop', 404, /no WebSocket/],
    ];
    for (const [path, status, message] of cases) {
      const outcome = await openSocket(dashboard.port, path, { host: local, origin });
      assert.equal(outcome.opened, false, path);
      if (outcome.opened) continue;
      assert.equal(outcome.status, status, path);
      assert.match(outcome.body, message, path);
    }
  });

  it('streams the tap to a same-origin WebSocket as the CLI prints it, passes the path on, and stops the tap when the socket closes', async () => {
    const outcome = await openSocket(dashboard.port, `${tapQuery}&path=/books`, { host: local, origin: `http://${local}` });
    assert.ok(outcome.opened);
    const received = await outcome.messages.until(events.length) as { type: string; line: string }[];
    assert.deepEqual(received.map((message) => message.type), events.map(() => 'event'));
    assert.deepEqual(received.map((message) => message.line), events.map((event) => formatTapLine(event)));
    assert.deepEqual(tap.requests.at(-1), { target: { namespace: 'shop', type: 'deployment', name: 'web' }, body: { maxRps: 100, path: '/books' } });
    assert.equal(tap.running(), 1);
    outcome.socket.close();
    const deadline = Date.now() + 5000;
    while (tap.running() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(tap.running(), 0, 'the upstream tap ends with the socket');
  });

  it('refuses to start without its assets, naming the folder it looked in', async () => {
    await assert.rejects(startDashboard({ metrics: metrics.api, tap: tap.source, port: 0, assetsDir: '/nonexistent/assets' }),
      (error: Error) => error instanceof MissingAssetsError && error.message.includes('/nonexistent/assets'));
  });

  it('reports a port in use with the system\'s code and the address', async () => {
    await assert.rejects(startDashboard({ metrics: metrics.api, tap: tap.source, port: dashboard.port }),
      (error: Error) => error instanceof DashboardListenError && error.code === 'EADDRINUSE' && error.message.startsWith(`cannot listen on 127.0.0.1:${dashboard.port}: `));
  });

  it('refuses an --enforced-host that is not a regular expression', async () => {
    await assert.rejects(startDashboard({ metrics: metrics.api, tap: tap.source, port: 0, enforcedHost: '(unclosed' }),
      (error: Error) => error instanceof EnforcedHostError && error.message.includes('(unclosed'));
  });
});
