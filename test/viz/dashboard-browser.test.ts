/**
 * The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) over
 * real components (dashboard-world.ts): meshed `sinew proxy` processes with traffic from curl to
 * web, the real metrics API embedded in process (scraping the proxies every second), the real tap
 * server. Each page's tables are compared with the metrics API's JSON for the table's own query;
 * the live tap shows the tapped traffic; the browser's own view of the security rules is checked;
 * screenshots are saved under test-artifacts/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { EdgesResponse, NamespacesResponse, StatResponse } from '../../src/viz/metrics-api-types.js';
import { launchChromium } from '../support/dashboard-fixtures.js';
import {
  assertTableShowsLatestAnswer, expectedEdgeRows, expectedNamespaceRows, expectedStatRows,
} from '../support/dashboard-page.js';
import { type DashboardWorld, sendFromCurl, startDashboardWorld } from '../support/dashboard-world.js';
import { identityOf, meshNamespace } from '../support/mesh-world.js';

const artifacts = path.resolve('test-artifacts');
const web = { type: 'deployment' as const, namespace: meshNamespace, name: 'web' };

/** Sends `count` requests from curl to web, `pauseMs` apart; the statuses. */
async function traffic(count: number, pathOf: (i: number) => string, pauseMs = 20): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += 1) {
    statuses.push(await sendFromCurl(pathOf(i)));
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return statuses;
}

/** Requests from curl to web every 100 ms (at most 1,200, for at most 120 s) until stopped: latencies are irate()-based, so they need current traffic. */
function backgroundTraffic(): { stop(): Promise<void> } {
  let stopped = false;
  const started = Date.now();
  const done = (async () => {
    for (let i = 0; i < 1200 && !stopped && Date.now() - started < 120_000; i += 1) {
      await sendFromCurl(`/background/${i}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** A tiny site of another origin, to run scripts from. */
async function otherSite(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) => response.end('<!doctype html><title>other site</title><p>another origin</p>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** What a page script gets when it opens the live tap of deploy/web on `dashboardPort`. */
function tryTapSocket(page: Page, dashboardPort: number): Promise<string> {
  return page.evaluate(`new Promise((resolve) => {
    const socket = new WebSocket('ws://127.0.0.1:${dashboardPort}/api/tap?namespace=shop&resource_type=deployment&resource_name=web');
    socket.onopen = () => { socket.close(); resolve('open'); };
    socket.onerror = () => resolve('refused');
  })`);
}

describe('sinew viz dashboard in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let world: DashboardWorld | undefined;
  let page: Page;
  let background: { stop(): Promise<void> } | undefined;
  const pageErrors: string[] = [];

  before(async function () {
    this.timeout(240_000);
    const launched = await launchChromium(['--host-resolver-rules=MAP rebound.test 127.0.0.1']);
    if (typeof launched === 'string') {
      console.log(`    skipped: ${launched}`);
      this.skip();
    }
    browser = launched;
    world = await startDashboardWorld();
    fs.mkdirSync(artifacts, { recursive: true });
    const statuses = await traffic(60, (i) => `/warm/${i}`);
    assert.deepEqual(statuses.filter((status) => status !== 200), [], 'every warm-up request succeeds');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const stat = await world.metrics.inner.stat({ resource: web, window: '1m' });
      const edges = await world.metrics.inner.edges({ resource: { ...web, name: '' } });
      const stats = stat.rows[0]?.stats;
      if ((stats?.successCount ?? 0) >= 30 && stats?.latencyMsP50 !== null && edges.edges.length > 0) break;
      if (Date.now() > deadline) throw new Error(`the metrics API never saw web's traffic: ${JSON.stringify(stat)} ${JSON.stringify(edges)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    background = backgroundTraffic();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await background?.stop();
    await browser?.close();
    await world?.close();
  });

  it('shows every namespace with the meshed pods and traffic the metrics API returned for the same queries', async () => {
    const live = world as DashboardWorld;
    await page.goto(live.dashboard.url);
    await page.waitForSelector('#namespaces[data-state="ready"] table');
    const latestNamespaces = (): NamespacesResponse => {
      const call = live.metrics.calls.filter((candidate) => candidate.method === 'namespaces').at(-1);
      return call?.response as NamespacesResponse;
    };
    const { table } = await assertTableShowsLatestAnswer(page, live.metrics, '#namespaces table',
      (call) => expectedNamespaceRows(latestNamespaces(), call.response as StatResponse));
    const shop = table.rows.find((row) => row.resource === 'namespace//shop');
    assert.equal(shop?.cells.meshed?.text, '3/3', 'web-1, web-2 and curl-1 are meshed');
    assert.equal(shop?.cells.successRate?.text, '100.00%');
    await page.screenshot({ path: path.join(artifacts, 'dashboard-namespaces.png'), fullPage: true });
  });

  it('shows the workloads of a namespace with the numbers of the stat query behind each table', async () => {
    const live = world as DashboardWorld;
    await page.click('a[href="/namespaces/shop"]');
    await page.waitForSelector('#deployments[data-state="ready"] table');
    await page.waitForSelector('#pods[data-state="ready"] table');
    const deployments = await assertTableShowsLatestAnswer(page, live.metrics, '#deployments table', (call) => expectedStatRows(call.response as StatResponse));
    const webRow = deployments.table.rows.find((row) => row.resource === 'deployment/shop/web');
    assert.equal(webRow?.cells.meshed?.text, '2/2');
    assert.equal(webRow?.cells.successRate?.text, '100.00%');
    assert.ok(Number(webRow?.cells.rps?.value) > 0, `web's RPS ${JSON.stringify(webRow?.cells.rps)}`);
    assert.ok(deployments.table.rows.some((row) => row.resource === 'deployment/shop/curl'), 'curl is listed');
    const pods = await assertTableShowsLatestAnswer(page, live.metrics, '#pods table', (call) => expectedStatRows(call.response as StatResponse));
    assert.deepEqual(pods.table.rows.map((row) => row.resource).sort(), ['pod/shop/curl-1', 'pod/shop/web-1', 'pod/shop/web-2']);
  });

  it('shows a workload with its numbers and its edges as the metrics API returned them', async () => {
    const live = world as DashboardWorld;
    await page.click('a[href="/namespaces/shop/deployments/web"]');
    await page.waitForSelector('#summary[data-state="ready"] table');
    await page.waitForSelector('#edges[data-state="ready"] table');
    let summary = await assertTableShowsLatestAnswer(page, live.metrics, '#summary table', (call) => expectedStatRows(call.response as StatResponse));
    for (let i = 0; i < 4 && summary.table.rows[0]?.cells.latencyMsP50?.value === 'null'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      summary = await assertTableShowsLatestAnswer(page, live.metrics, '#summary table', (call) => expectedStatRows(call.response as StatResponse));
    }
    assert.deepEqual(summary.table.rows.map((row) => row.resource), ['deployment/shop/web']);
    assert.match(summary.table.rows[0]?.cells.latencyMsP50?.text ?? '', /^\d+(\.\d{1,2})? ms$/, 'web\'s median latency under current traffic');
    const edges = await assertTableShowsLatestAnswer(page, live.metrics, '#edges table', (call) => expectedEdgeRows(call.response as EdgesResponse, web));
    const fromCurl = edges.table.rows.find((row) => row.resource === 'deployment/shop/curl');
    assert.ok(fromCurl, `an edge from curl: ${JSON.stringify(edges.table.rows)}`);
    assert.equal(fromCurl.cells.direction?.text, 'from');
    assert.equal(fromCurl.cells.clientId?.value, identityOf('curl'));
    assert.equal(fromCurl.cells.serverId?.value, identityOf('web'));
    assert.equal(fromCurl.cells.secured?.text, 'yes (mTLS)');
  });

  it('streams the live tap of the workload, only requests under the path prefix, as the CLI prints them', async () => {
    await page.fill('#tap-form input[name="path"]', '/tapped/');
    await page.click('#tap-toggle');
    await page.waitForSelector('#tap-status[data-state="tapping"]', { timeout: 20_000 });
    let reqLines: string[] = [];
    for (let round = 0; round < 40 && reqLines.length < 4; round += 1) {
      await traffic(4, (i) => (i % 2 === 0 ? `/tapped/${round}-${i}` : `/other/${round}-${i}`), 10);
      await new Promise((resolve) => setTimeout(resolve, 250));
      reqLines = await page.$$eval('#tap-lines li[data-kind="req"]', (items) => items.map((item) => item.textContent ?? ''));
    }
    assert.ok(reqLines.length >= 4, `tap lines: ${JSON.stringify(reqLines)}`);
    for (const line of reqLines) {
      assert.match(line, /^req id=\d+:\d+ proxy=in {2}src=127\.0\.31\.1:\d+ dst=127\.0\.30\.[12]:8080 tls=true :method=GET :authority=\S+ :path=\/tapped\/\d+-\d+$/);
    }
    await page.waitForSelector('#tap-lines li[data-kind="end"]');
    const rspLines = await page.$$eval('#tap-lines li[data-kind="rsp"]', (items) => items.map((item) => item.textContent ?? ''));
    assert.ok(rspLines.length > 0 && rspLines.every((line) => / :status=200 latency=\d+µs$/.test(line)), JSON.stringify(rspLines));
    const all = await page.$$eval('#tap-lines li', (items) => items.map((item) => item.textContent ?? ''));
    assert.deepEqual(all.filter((line) => line.includes('/other/')), [], 'requests outside the prefix are not tapped');
    const shot = path.join(artifacts, 'dashboard-workload.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10_000, 'the screenshot was written');
    await page.click('#tap-toggle');
    await page.waitForSelector('#tap-status[data-state="stopped"]');
  });

  it('sends the security headers, and Chromium enforces them: a script injected inline does not run', async () => {
    const live = world as DashboardWorld;
    const response = await page.goto(`${live.dashboard.url}namespaces/shop`);
    const headers = response?.headers() ?? {};
    assert.match(headers['content-security-policy'] ?? '', /script-src 'self'/);
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.equal(headers['referrer-policy'], 'no-referrer');
    const ran = await page.evaluate(`new Promise((resolve) => {
      const script = document.createElement('script');
      script.textContent = 'window.injectedRan = true';
      document.body.append(script);
      setTimeout(() => resolve(window.injectedRan === true), 200);
    })`);
    assert.equal(ran, false);
  });

  it('refuses the page when its name is not local, as after DNS rebinding (rebound.test resolves to 127.0.0.1)', async () => {
    const live = world as DashboardWorld;
    const rebound = await (browser as Browser).newPage();
    try {
      const response = await rebound.goto(`http://rebound.test:${live.dashboard.port}/namespaces/shop`);
      assert.equal(response?.status(), 400);
      assert.match(await rebound.textContent('body') ?? '', /does not serve the host "rebound\.test:\d+".*DNS rebinding/s);
      assert.equal(response?.headers()['x-frame-options'], 'DENY');
    } finally {
      await rebound.close();
    }
  });

  it('lets a page of another origin open no live tap, while the dashboard\'s own page can', async () => {
    const live = world as DashboardWorld;
    const other = await otherSite();
    const foreign = await (browser as Browser).newPage();
    try {
      await foreign.goto(other.url);
      assert.equal(await tryTapSocket(foreign, live.dashboard.port), 'refused');
      assert.ok(live.logLines.some((line) => line.includes('refused a cross-origin WebSocket') && line.includes(other.url.replace(/\/$/, ''))), live.logLines.join('\n'));
      await page.goto(live.dashboard.url);
      assert.equal(await tryTapSocket(page, live.dashboard.port), 'open');
    } finally {
      await foreign.close();
      await other.close();
    }
  });

  it('raised no script error on its pages', () => {
    assert.deepEqual(pageErrors, []);
  });
});
