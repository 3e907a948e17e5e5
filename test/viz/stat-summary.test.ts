/**
 * stat, routes and edges as queries: the PromQL Linkerd's metrics API sends for each kind of
 * request, and how the answers become rows.
 */
import assert from 'node:assert/strict';
import { edges } from '../../src/viz/edges.js';
import type { MetricQuery, VectorSample } from '../../src/viz/metric-query.js';
import { BadQueryError } from '../../src/viz/metrics-api-types.js';
import { statSummary } from '../../src/viz/stat-summary.js';
import { topRoutes } from '../../src/viz/top-routes.js';
import { fakeInventory, fakePod, recordingBackend } from './viz-fixtures.js';

const inventory = fakeInventory([
  fakePod('shop', 'web-1', { deployment: 'web', sa: 'web' }), fakePod('shop', 'web-2', { deployment: 'web', sa: 'web' }),
  fakePod('shop', 'curl-1', { deployment: 'curl', sa: 'curl' }), fakePod('shop', 'legacy-1', { deployment: 'legacy', meshed: false }),
]);
const deployments = { type: 'deployment', namespace: 'shop', name: '' } as const;

describe('stat', () => {
  it('sends Linkerd\'s inbound queries for every deployment of a namespace', async () => {
    const backend = recordingBackend();
    await statSummary({ backend, inventory }, { resource: deployments, window: '1m' });
    assert.deepEqual(backend.asked.sort(), [
      'histogram_quantile(0.5, sum(irate(response_latency_ms_bucket{direction="inbound", namespace="shop"}[1m])) by (le, namespace, deployment))',
      'histogram_quantile(0.95, sum(irate(response_latency_ms_bucket{direction="inbound", namespace="shop"}[1m])) by (le, namespace, deployment))',
      'histogram_quantile(0.99, sum(irate(response_latency_ms_bucket{direction="inbound", namespace="shop"}[1m])) by (le, namespace, deployment))',
      'sum(increase(response_total{direction="inbound", namespace="shop"}[1m])) by (namespace, deployment, classification, tls)',
      'sum(increase(tcp_read_bytes_total{direction="inbound", namespace="shop", peer="src"}[1m])) by (namespace, deployment)',
      'sum(increase(tcp_write_bytes_total{direction="inbound", namespace="shop", peer="src"}[1m])) by (namespace, deployment)',
      'sum(tcp_open_connections{direction="inbound", namespace="shop"}) by (namespace, deployment)',
    ]);
  });

  it('matches the named resource and the destination with --to, and groups by destination with --from', async () => {
    const to = recordingBackend();
    await statSummary({ backend: to, inventory }, { resource: { ...deployments, name: 'curl' }, to: { ...deployments, name: 'web' }, window: '30s' });
    assert.ok(to.asked.includes('sum(increase(response_total{deployment="curl", direction="outbound", dst_deployment="web", dst_namespace="shop", namespace="shop"}[30s])) by (namespace, deployment, classification, tls)'), to.asked.join('\n'));
    assert.ok(to.asked.includes('sum(increase(tcp_read_bytes_total{deployment="curl", direction="outbound", dst_deployment="web", dst_namespace="shop", namespace="shop", peer="dst"}[30s])) by (namespace, deployment)'));
    const from = recordingBackend();
    await statSummary({ backend: from, inventory }, { resource: deployments, from: { ...deployments, name: 'curl' }, window: '1m' });
    assert.ok(from.asked.includes('sum(increase(response_total{deployment="curl", direction="outbound", namespace="shop"}[1m])) by (dst_namespace, dst_deployment, classification, tls)'), from.asked.join('\n'));
  });

  it('queries a service by its authority and a namespace by its label, and a job by k8s_job', async () => {
    const svc = recordingBackend();
    await statSummary({ backend: svc, inventory }, { resource: { type: 'service', namespace: 'shop', name: 'web' }, window: '1m', tcp: false });
    assert.ok(svc.asked.includes('sum(increase(response_total{authority=~"^web\\\\.shop\\\\.svc\\\\.cluster\\\\.local.+", direction="outbound"}[1m])) by (dst_namespace, dst_service, classification, tls)'), svc.asked.join('\n'));
    const ns = recordingBackend();
    await statSummary({ backend: ns, inventory }, { resource: { type: 'namespace', namespace: 'shop', name: 'shop' }, window: '1m', tcp: false });
    assert.ok(ns.asked.includes('sum(increase(response_total{direction="inbound", namespace="shop"}[1m])) by (namespace, classification, tls)'), ns.asked.join('\n'));
    const job = recordingBackend();
    await statSummary({ backend: job, inventory }, { resource: { type: 'job', namespace: 'shop', name: 'migrate' }, window: '1m', tcp: false });
    assert.ok(job.asked.includes('sum(increase(response_total{direction="inbound", k8s_job="migrate", namespace="shop"}[1m])) by (namespace, k8s_job, classification, tls)'), job.asked.join('\n'));
  });

  it('turns the answers into rows: rounded counts, RPS over the window, latencies, pods, and no stats without traffic', async () => {
    const web = { namespace: 'shop', deployment: 'web' };
    const answer = (query: MetricQuery): VectorSample[] => {
      if (query.kind === 'increase' && query.metric === 'response_total') {
        return [{ labels: { ...web, classification: 'success', tls: 'true' }, value: 89.6 }, { labels: { ...web, classification: 'failure', tls: 'true' }, value: 10.2 }];
      }
      if (query.kind === 'quantile') return [{ labels: web, value: query.quantile * 100 }, { labels: { namespace: 'shop', deployment: 'curl' }, value: NaN }];
      if (query.kind === 'gauge') return [{ labels: web, value: 3 }];
      return [{ labels: web, value: 6000 }];
    };
    const { rows } = await statSummary({ backend: recordingBackend(answer), inventory }, { resource: deployments, window: '1m' });
    assert.deepEqual(rows.map((row) => row.resource.name), ['curl', 'legacy', 'web']);
    const [curl, legacy, webRow] = rows;
    assert.equal(curl?.stats, null);
    assert.deepEqual([legacy?.meshedPodCount, legacy?.runningPodCount], [0, 1]);
    assert.deepEqual(webRow?.stats, { successCount: 90, failureCount: 10, rps: 100 / 60, successRate: 0.9, latencyMsP50: 50, latencyMsP95: 95, latencyMsP99: 99 });
    assert.deepEqual(webRow?.tcp, { openConnections: 3, readBytesTotal: 6000, writeBytesTotal: 6000 });
    assert.deepEqual([webRow?.meshedPodCount, webRow?.runningPodCount, webRow?.failedPodCount], [2, 2, 0]);
  });

  it('refuses authorities and services as sources, naming the parameter', async () => {
    await assert.rejects(statSummary({ backend: recordingBackend(), inventory }, { resource: { type: 'authority', namespace: 'shop', name: '' } }),
      (error: unknown) => error instanceof BadQueryError && error.parameter === 'resource_type');
    await assert.rejects(statSummary({ backend: recordingBackend(), inventory }, { resource: deployments, from: { type: 'service', namespace: 'shop', name: 'web' } }),
      (error: unknown) => error instanceof BadQueryError && error.parameter === 'from_type');
  });
});

describe('routes', () => {
  it('groups web\'s inbound responses by route and server, [DEFAULT] where no route was named', async () => {
    const labels = { namespace: 'shop', deployment: 'web' };
    const backend = recordingBackend((query) => (query.kind === 'increase'
      ? [{ labels: { ...labels, route_name: 'books', srv_name: 'web-http', classification: 'success' }, value: 60 }, { labels: { ...labels, srv_name: 'web-http', classification: 'success' }, value: 30 }]
      : []));
    const answer = await topRoutes(backend, { resource: { type: 'deployment', namespace: 'shop', name: 'web' }, window: '1m' });
    assert.ok(backend.asked.includes('sum(increase(response_total{deployment="web", direction="inbound", namespace="shop"}[1m])) by (namespace, deployment, route_name, srv_name, classification, tls)'), backend.asked.join('\n'));
    assert.deepEqual(answer.tables.map((table) => [table.resource, table.rows.map((row) => [row.route, row.target, row.stats.rps])]), [
      ['deployment/web', [['[DEFAULT]', 'web-http', 0.5], ['books', 'web-http', 1]]],
    ]);
  });
});

describe('edges', () => {
  it('sends Linkerd\'s edges query and names both identities', async () => {
    const sample = { namespace: 'shop', dst_namespace: 'shop', deployment: 'curl', dst_deployment: 'web', pod: 'curl-1', server_id: 'web.shop.serviceaccount.identity.linkerd.cluster.local' };
    const backend = recordingBackend((query) => (query.kind === 'gauge' ? [{ labels: sample, value: 2 }, { labels: { ...sample, dst_deployment: 'gone' }, value: 0 }] : []));
    const answer = await edges({ backend, inventory }, { resource: { type: 'deployment', namespace: 'shop', name: '' } });
    assert.ok(backend.asked.includes('sum(tcp_open_connections{deployment!="", direction="outbound", dst_deployment!=""}) by (deployment, dst_deployment, pod, server_id, namespace, dst_namespace, no_tls_reason)'), backend.asked.join('\n'));
    assert.deepEqual(answer.edges, [{
      src: { type: 'deployment', namespace: 'shop', name: 'curl' }, dst: { type: 'deployment', namespace: 'shop', name: 'web' },
      clientId: 'curl.shop.serviceaccount.identity.linkerd.cluster.local', serverId: sample.server_id, noIdentityMsg: '',
    }]);
  });

  it('names the client identity from a live pod when a rolled-out one is still in the window', async () => {
    const live = { namespace: 'shop', dst_namespace: 'shop', deployment: 'curl', dst_deployment: 'web', pod: 'curl-1', server_id: 'web.shop.serviceaccount.identity.linkerd.cluster.local' };
    const gone = { ...live, pod: 'curl-0-rolled-out' };
    const backend = recordingBackend((query) => (query.kind === 'increase' ? [{ labels: gone, value: 40 }, { labels: live, value: 12 }] : []));
    const answer = await edges({ backend, inventory }, { resource: { type: 'deployment', namespace: 'shop', name: '' } });
    assert.deepEqual(answer.edges.map((edge) => [edge.src.name, edge.dst.name, edge.clientId]), [['curl', 'web', 'curl.shop.serviceaccount.identity.linkerd.cluster.local']]);
  });
});
