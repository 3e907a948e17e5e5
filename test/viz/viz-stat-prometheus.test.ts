/**
 * `sinew viz stat`, `routes` and `edges` end to end: two meshed workloads (curl calling web, whose
 * application answers 500 to every fifth request and waits 60 ms before answering), Debian's
 * Prometheus scraping their proxies with viz's scrape job, and `sinew viz metrics-api` twice: on
 * that Prometheus and embedded (scraping the proxies itself). A paced load generator knows what it
 * sent; the CLI's numbers are compared with it.
 *
 * Tolerances: Prometheus' `increase` extrapolates and scrapes run every second, so RPS must be
 * within 25% of what the generator saw answered in the same window, and the success rate within 4
 * points of its share of 200s. Latencies can only be known to a histogram bucket: the app's 60 ms
 * (plus the proxies' overhead) falls in the 50–100 ms bucket, so p50 must lie in [50, 100] ms, and
 * p95/p99 in [50, 500] ms (a loaded machine pushes the tail into the buckets up to 500 ms). The
 * embedded numbers must agree with Prometheus' within the same bounds.
 */
import assert from 'node:assert/strict';
import { runSinew } from '../support/control-plane-process.js';
import {
  type ChildService, type Load, startLoad, startMetricsApi, startPrometheus, startVizWorld, type VizWorld,
} from '../support/viz-world.js';

interface StatJson {
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly meshed: string;
  readonly success: number | null;
  readonly rps: number | null;
  readonly latency_ms_p50: number | null;
  readonly latency_ms_p95: number | null;
  readonly latency_ms_p99: number | null;
  readonly tcp_open_connections?: number;
}

const windowSeconds = 10;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function statJson(api: ChildService, ...args: string[]): Promise<StatJson[]> {
  const run = await runSinew(['viz', 'stat', ...args, '-t', `${windowSeconds}s`, '-o', 'json', '--api-addr', api.url]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as StatJson[];
}

function rowOf(rows: readonly StatJson[], name: string): StatJson {
  const row = rows.find((each) => each.name === name);
  assert.ok(row !== undefined, `no row ${name} in ${JSON.stringify(rows)}`);
  return row;
}

/** Asserts a row's numbers against what the load generator saw answered in the window. */
function assertMatchesLoad(row: StatJson, seen: { total: number; failed: number }, label: string): void {
  const sentRps = seen.total / windowSeconds;
  const sentSuccess = (seen.total - seen.failed) / seen.total;
  assert.ok(row.rps !== null && row.success !== null, `${label}: no stats in ${JSON.stringify(row)}`);
  assert.ok(Math.abs(row.rps - sentRps) <= 0.25 * sentRps, `${label}: rps ${row.rps} vs ${sentRps} sent`);
  assert.ok(Math.abs(row.success - sentSuccess) <= 0.04, `${label}: success ${row.success} vs ${sentSuccess} sent`);
  const { latency_ms_p50: p50, latency_ms_p95: p95, latency_ms_p99: p99 } = row;
  assert.ok(p50 !== null && p50 >= 50 && p50 <= 100, `${label}: p50 ${p50}`);
  assert.ok(p95 !== null && p95 >= 50 && p95 <= 500, `${label}: p95 ${p95}`);
  assert.ok(p99 !== null && p99 >= 50 && p99 <= 500, `${label}: p99 ${p99}`);
}

describe('viz stat, routes and edges against Prometheus and the embedded scraper', function () {
  this.timeout(240_000);
  let world: VizWorld | undefined;
  let prometheus: ChildService | undefined;
  let promApi: ChildService | undefined;
  let embeddedApi: ChildService | undefined;
  let load: Load | undefined;

  before(async () => {
    world = await startVizWorld(60);
    prometheus = await startPrometheus(world);
    promApi = await startMetricsApi(world, ['--prometheus-url', prometheus.url]);
    embeddedApi = await startMetricsApi(world, ['--scrape-interval', '1s']);
    load = startLoad({ rps: 20, failEvery: 5, maxRequests: 2400, maxMs: 120_000 });
    await sleep((windowSeconds + 6) * 1000);
  });

  after(async () => {
    await load?.stop();
    await embeddedApi?.stop();
    await promApi?.stop();
    await prometheus?.stop();
    await world?.close();
  });

  it('reports the success rate, RPS and latencies the load generator sent, through Prometheus and embedded alike', async () => {
    const [fromProm, fromEmbedded] = await Promise.all([statJson(promApi!, 'deploy', '-n', 'shop'), statJson(embeddedApi!, 'deploy', '-n', 'shop')]);
    const seen = load!.inLast(windowSeconds * 1000);
    assert.ok(seen.total > 100, `the generator saw only ${seen.total} answers`);
    const web = rowOf(fromProm, 'web');
    assert.equal(web.meshed, '2/2');
    assertMatchesLoad(web, seen, 'prometheus');
    assertMatchesLoad(rowOf(fromEmbedded, 'web'), seen, 'embedded');
    const embeddedWeb = rowOf(fromEmbedded, 'web');
    assert.ok(Math.abs((embeddedWeb.rps ?? 0) - (web.rps ?? 0)) <= 0.25 * (web.rps ?? 0), `embedded rps ${embeddedWeb.rps} vs prometheus ${web.rps}`);
    assert.ok(Math.abs((embeddedWeb.success ?? 0) - (web.success ?? 0)) <= 0.04, `embedded success ${embeddedWeb.success} vs prometheus ${web.success}`);
    assert.ok((web.tcp_open_connections ?? 0) >= 1, JSON.stringify(web));
    const curl = rowOf(fromProm, 'curl');
    assert.equal(curl.meshed, '1/1');
    assert.equal(curl.rps, null, 'curl serves no inbound traffic');
  });

  it('prints Linkerd\'s table, with - for a workload without traffic', async () => {
    const run = await runSinew(['viz', 'stat', 'deploy', '-n', 'shop', '-t', '10s', '--api-addr', promApi!.url]);
    assert.equal(run.code, 0, run.stderr);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    assert.match(header ?? '', /^NAME\s+MESHED\s+SUCCESS\s+RPS\s+LATENCY_P50\s+LATENCY_P95\s+LATENCY_P99\s+TCP_CONN$/);
    assert.match(rows.find((row) => row.startsWith('curl')) ?? '', /^curl\s+1\/1\s+-\s+-\s+-\s+-\s+-\s+-$/);
    assert.match(rows.find((row) => row.startsWith('web')) ?? '', /^web\s+2\/2\s+\d{2}\.\d{2}%\s+\d+\.\drps\s+\d+ms\s+\d+ms\s+\d+ms\s+\d+$/);
  });

  it('filters by --from with the sources\' outbound metrics, and by --to', async () => {
    const seen = load!.inLast(windowSeconds * 1000);
    const from = await statJson(promApi!, 'deploy', '-n', 'shop', '--from', 'deploy/curl');
    assert.deepEqual(from.map((row) => row.name), ['web']);
    const fromWeb = rowOf(from, 'web');
    assert.ok(fromWeb.rps !== null && Math.abs(fromWeb.rps - seen.total / windowSeconds) <= 0.25 * (seen.total / windowSeconds), JSON.stringify(fromWeb));
    const to = await statJson(promApi!, 'deploy', '-n', 'shop', '--to', 'deploy/web');
    assert.deepEqual(to.map((row) => row.name), ['curl']);
    assert.ok(Math.abs((rowOf(to, 'curl').success ?? 0) - 0.8) <= 0.04, JSON.stringify(to));
  });

  it('shows the edge from curl to web with both identities, through both backends', async () => {
    for (const api of [promApi!, embeddedApi!]) {
      const run = await runSinew(['viz', 'edges', 'deploy', '-n', 'shop', '-o', 'json', '--api-addr', api.url]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), [{
        src: 'curl', src_namespace: 'shop', dst: 'web', dst_namespace: 'shop', client_id: 'curl.shop', server_id: 'web.shop', no_tls_reason: '',
      }]);
    }
  });

  it('shows per-route stats of web\'s inbound traffic', async () => {
    const run = await runSinew(['viz', 'routes', 'deploy/web', '-n', 'shop', '-t', '10s', '-o', 'json', '--api-addr', promApi!.url]);
    assert.equal(run.code, 0, run.stderr);
    const tables = JSON.parse(run.stdout) as Record<string, { route: string; success: number; rps: number }[]>;
    const rows = tables['deploy/web'] ?? [];
    assert.ok(rows.length >= 1, run.stdout);
    const total = rows.reduce((sum, row) => sum + row.rps, 0);
    const seen = load!.inLast(windowSeconds * 1000);
    assert.ok(Math.abs(total - seen.total / windowSeconds) <= 0.25 * (seen.total / windowSeconds), run.stdout);
  });

  it('handles a counter reset: a restarted proxy leaves RPS and success where the traffic is', async () => {
    await world!.restartProxy('web-1');
    await sleep(5000);
    const [fromProm, fromEmbedded] = await Promise.all([statJson(promApi!, 'deploy/web', '-n', 'shop'), statJson(embeddedApi!, 'deploy/web', '-n', 'shop')]);
    const seen = load!.inLast(windowSeconds * 1000);
    for (const [label, rows] of [['prometheus', fromProm], ['embedded', fromEmbedded]] as const) {
      const web = rowOf(rows, 'web');
      assert.ok(web.rps !== null && Math.abs(web.rps - seen.total / windowSeconds) <= 0.3 * (seen.total / windowSeconds), `${label}: ${JSON.stringify(web)} vs ${seen.total}`);
      assert.ok(web.success !== null && Math.abs(web.success - 0.8) <= 0.05, `${label}: ${JSON.stringify(web)}`);
    }
  });

  it('answers 400 naming the parameter to a malformed query, and keeps serving', async () => {
    const bad = await fetch(`${promApi!.url}/api/v1/stat?resource_type=deployment&namespace=shop&window=soon`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /^window: /);
    const good = await fetch(`${promApi!.url}/api/v1/stat?resource_type=deployment&namespace=shop`);
    assert.equal(good.status, 200);
  });
});
