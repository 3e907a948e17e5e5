/**
 * What the embedded scraper reads and how it labels it: the exposition format as proxies write it,
 * and the labels Prometheus gives a proxy's series with viz's scrape job (the set below is what
 * Debian's Prometheus reported for the same pod in viz-stat-prometheus.test.ts's world).
 */
import assert from 'node:assert/strict';
import { parseExposition } from '../../src/viz/exposition-parser.js';
import { proxyRelabelConfigs } from '../../src/viz/prometheus-config.js';
import { relabel, RelabelError } from '../../src/viz/relabel.js';
import { targetOf, withTargetLabels } from '../../src/viz/scrape-labels.js';
import { fakePod } from './viz-fixtures.js';

describe('the exposition parser', () => {
  it('reads names, escaped label values, special values and timestamps, and skips comments', () => {
    const text = [
      '# HELP request_total Requests', '# TYPE request_total counter',
      'request_total{direction="inbound",authority="a\\"b\\\\c\\nd"} 12 1700000000000',
      'tcp_open_connections 3', 'response_latency_ms_bucket{le="+Inf"} +Inf', 'x_nan NaN', '',
    ].join('\n');
    const { samples, skipped } = parseExposition(text);
    assert.equal(skipped, 0);
    assert.deepEqual(samples[0], { name: 'request_total', labels: { direction: 'inbound', authority: 'a"b\\c\nd' }, value: 12 });
    assert.deepEqual(samples.slice(1, 3), [{ name: 'tcp_open_connections', labels: {}, value: 3 }, { name: 'response_latency_ms_bucket', labels: { le: '+Inf' }, value: Infinity }]);
    assert.ok(Number.isNaN(samples[3]?.value));
  });

  it('counts lines it cannot read instead of failing, and keeps only the families asked for', () => {
    const { samples, skipped } = parseExposition('request_total{direction="in 1\nresponse_total 5 6 7\nrequest_total 2\nother 1\n', (name) => name.startsWith('re'));
    assert.equal(skipped, 2);
    assert.deepEqual(samples, [{ name: 'request_total', labels: {}, value: 2 }]);
  });
});

describe('scrape labels', () => {
  const labels = { app: 'web', 'linkerd.io/control-plane-ns': 'linkerd', 'linkerd.io/proxy-deployment': 'web', 'pod-template-hash': '5d8f9' };

  it('labels a proxy as Prometheus does with viz\'s relabel rules', () => {
    const target = targetOf(fakePod('shop', 'web-2', { ip: '127.0.30.2', deployment: 'web', labels }));
    assert.equal(target?.url, 'http://127.0.30.2:4191/metrics');
    assert.deepEqual(target?.labels, {
      app: 'web', control_plane_ns: 'linkerd', deployment: 'web', instance: '127.0.30.2:4191', job: 'linkerd-proxy',
      namespace: 'shop', pod: 'web-2', pod_template_hash: '5d8f9',
    });
  });

  it('turns linkerd.io/proxy-job into k8s_job', () => {
    const target = targetOf(fakePod('shop', 'migrate-x', { ip: '10.0.0.9', labels: { 'linkerd.io/control-plane-ns': 'linkerd', 'linkerd.io/proxy-job': 'migrate' } }));
    assert.equal(target?.labels.k8s_job, 'migrate');
    assert.equal(target?.labels.job, 'linkerd-proxy');
  });

  it('leaves out pods Prometheus would not scrape: unmeshed, another control plane\'s, finished, or without an address', () => {
    assert.equal(targetOf(fakePod('shop', 'a', { ip: '10.0.0.1', meshed: false, labels })), undefined);
    assert.equal(targetOf(fakePod('shop', 'b', { ip: '10.0.0.2', labels: { ...labels, 'linkerd.io/control-plane-ns': 'other' } })), undefined);
    assert.equal(targetOf(fakePod('shop', 'c', { ip: '10.0.0.3', phase: 'Succeeded', labels })), undefined);
    assert.equal(targetOf(fakePod('shop', 'd', { labels })), undefined);
  });

  it('renames a scraped label that clashes with a target label to exported_<name>, and drops empty ones', () => {
    assert.deepEqual(withTargetLabels({ namespace: 'theirs', client_id: '', tls: 'true' }, { namespace: 'shop' }), { exported_namespace: 'theirs', namespace: 'shop', tls: 'true' });
  });

  it('refuses a relabel action it does not know', () => {
    assert.throws(() => relabel({ a: 'b' }, [{ action: 'hashmod' }]), RelabelError);
    assert.equal(relabel({ a: 'b' }, proxyRelabelConfigs()), undefined, 'a target without the proxy container is dropped');
  });
});
