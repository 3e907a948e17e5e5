/**
 * The embedded metrics API end to end on a fake proxy: the scraper reads its /metrics over HTTP
 * (with the labels Prometheus' relabelling gives), the store keeps the samples, and stat computes
 * Linkerd's numbers at a chosen instant — checked against values computed by hand, across a
 * counter reset and a failed scrape.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/observe/logger.js';
import { embeddedBackend } from '../../src/viz/embedded-backend.js';
import { startScraper } from '../../src/viz/proxy-scraper.js';
import { SampleStore } from '../../src/viz/sample-store.js';
import { statSummary } from '../../src/viz/stat-summary.js';
import { fakeInventory, fakePod } from './viz-fixtures.js';

function exposition(success: number, failure: number, buckets: readonly [string, number][], open: number): string {
  const inbound = 'direction="inbound",target_addr="127.0.0.1:8080",target_ip="127.0.0.1",target_port="8080",tls="true",client_id="curl.shop.serviceaccount.identity.linkerd.cluster.local"';
  return [
    '# HELP response_total Responses', '# TYPE response_total counter',
    `response_total{${inbound},status_code="200",classification="success"} ${success}`,
    `response_total{${inbound},status_code="500",classification="failure"} ${failure}`,
    '# TYPE response_latency_ms histogram',
    ...buckets.map(([le, count]) => `response_latency_ms_bucket{${inbound},status_code="200",le="${le}"} ${count}`),
    `response_latency_ms_sum{${inbound},status_code="200"} 1000`,
    '# TYPE tcp_open_connections gauge',
    `tcp_open_connections{direction="inbound",peer="src",${inbound.replace(/^direction="inbound",/, '')}} ${open}`,
    'process_cpu_seconds_total 12',
  ].join('\n') + '\n';
}

describe('the embedded metrics API on a scraped proxy', () => {
  let server: http.Server;
  let body = '';
  let status = 200;
  let clock = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      res.statusCode = status;
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  after(() => new Promise((resolve) => server.close(resolve)));

  it('computes increase across a counter reset, irate quantiles, and gauges only from the latest good scrape', async () => {
    const port = (server.address() as AddressInfo).port;
    const inventory = fakeInventory([fakePod('shop', 'web-1', {
      ip: '127.0.0.1', adminPort: port, deployment: 'web', labels: { 'linkerd.io/control-plane-ns': 'linkerd', 'linkerd.io/proxy-deployment': 'web' },
    })]);
    const store = new SampleStore(3_600_000);
    const scraper = startScraper({ inventory, store, intervalMs: 3_600_000, log: createLogger({ level: 'error' }), now: () => clock, loop: false });
    const successes = [0, 100, 200, 300, 50, 150, 250];
    for (const [i, success] of successes.entries()) {
      clock = 1_000_000 + i * 10_000;
      const buckets: [string, number][] = i === 5 ? [['10', 100], ['50', 200], ['+Inf', 200]] : i === 6 ? [['10', 110], ['50', 230], ['+Inf', 230]] : [['10', 0], ['50', 0], ['+Inf', 0]];
      body = exposition(success, i * 10, buckets, 4);
      await scraper.scrapeOnce();
    }
    const backend = embeddedBackend(store, () => clock);
    const query = { resource: { type: 'deployment', namespace: 'shop', name: '' }, window: '1m' } as const;
    const { rows } = await statSummary({ backend, inventory }, query);
    assert.equal(rows.length, 1);
    const stats = rows[0]?.stats;
    // success: 300 before the reset plus 250 after it; no extrapolation (the samples span the window exactly).
    assert.equal(stats?.successCount, 550);
    assert.equal(stats?.failureCount, 60);
    assert.equal(stats?.rps, 610 / 60);
    // irate over the last two scrapes: le=10 1/s, le=50 3/s, +Inf 3/s.
    assert.equal(stats?.latencyMsP50, 20);
    assert.ok(Math.abs((stats?.latencyMsP95 ?? 0) - 47) < 1e-9, String(stats?.latencyMsP95));
    assert.ok(Math.abs((stats?.latencyMsP99 ?? 0) - 49.4) < 1e-9, String(stats?.latencyMsP99));
    assert.equal(rows[0]?.tcp?.openConnections, 4);

    status = 500;
    clock += 10_000;
    await scraper.scrapeOnce();
    const afterFailure = await statSummary({ backend, inventory }, query);
    assert.equal(afterFailure.rows[0]?.tcp?.openConnections ?? 0, 0, 'a gauge is stale once its target fails a scrape');
    // The window now starts at the second scrape and ends 10 s after the last good one: (450) × 60/50.
    assert.equal(afterFailure.rows[0]?.stats?.successCount, 540, 'counters keep their samples in the window');
  });
});
