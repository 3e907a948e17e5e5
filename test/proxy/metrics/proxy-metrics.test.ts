import assert from 'node:assert/strict';
import { latencyBucketsMs } from '../../../src/proxy/metrics/http-metrics.js';
import { createProxyMetrics, type ProxyMetrics } from '../../../src/proxy/metrics/proxy-metrics.js';
import { type Family, onlySample, parseExposition, samplesOf } from './exposition-parser.js';

const fakeProcess = async () => ({ startTimeSeconds: 1, cpuSecondsTotal: 0, residentMemoryBytes: 1 });

async function scrape(metrics: ProxyMetrics): Promise<Map<string, Family>> {
  return parseExposition(await metrics.render());
}

const web = { ip: '10.1.2.3', port: 8080 };
const webDst = { namespace: 'shop', service: 'web', pod: 'web-5d8f-abc', deployment: 'web', serviceaccount: 'web' };
const serverId = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
const clientId = 'api.shop.serviceaccount.identity.linkerd.cluster.local';
const server = { group: 'policy.linkerd.io', kind: 'server', name: 'web-http', port: 8080 };
const route = { group: 'gateway.networking.k8s.io', kind: 'httproute', name: 'web-get' };
const authz = { group: 'policy.linkerd.io', kind: 'authorizationpolicy', name: 'web-authn' };

describe('proxy metrics: Linkerd families and labels', () => {
  it('labels outbound HTTP like Linkerd: authority, target, TLS with server_id, dst_* from discovery', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess });
    const endpoint = metrics.http.endpoint({
      direction: 'outbound', authority: 'web.shop.svc.cluster.local:8080', target: web,
      tls: { kind: 'established', serverId }, dst: webDst,
    });
    endpoint.request();
    endpoint.request();
    const families = await scrape(metrics);
    assert.equal(families.get('request_total')?.type, 'counter');
    assert.deepEqual(onlySample(families, 'request_total'), {
      name: 'request_total',
      labels: {
        direction: 'outbound', authority: 'web.shop.svc.cluster.local:8080',
        target_addr: '10.1.2.3:8080', target_ip: '10.1.2.3', target_port: '8080', tls: 'true', server_id: serverId,
        dst_deployment: 'web', dst_namespace: 'shop', dst_pod: 'web-5d8f-abc', dst_service: 'web', dst_serviceaccount: 'web',
      },
      value: 2,
    });
  });

  it('labels inbound HTTP with TLS as accepted and the policy objects, without authority unless given', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess });
    metrics.http.endpoint({ direction: 'inbound', target: web, tls: { kind: 'established', clientId }, server, route, authz }).request();
    metrics.http.endpoint({ direction: 'inbound', target: { ip: '::1', port: 80 }, tls: { kind: 'none', reason: 'no_tls_from_remote' } }).request();
    const families = await scrape(metrics);
    assert.deepEqual(onlySample(families, 'request_total', { tls: 'true' }).labels, {
      direction: 'inbound', target_addr: '10.1.2.3:8080', target_ip: '10.1.2.3', target_port: '8080', tls: 'true', client_id: clientId,
      srv_group: 'policy.linkerd.io', srv_kind: 'server', srv_name: 'web-http', srv_port: '8080',
      route_group: 'gateway.networking.k8s.io', route_kind: 'httproute', route_name: 'web-get',
      authz_group: 'policy.linkerd.io', authz_kind: 'authorizationpolicy', authz_name: 'web-authn',
    });
    assert.deepEqual(onlySample(families, 'request_total', { tls: 'no_identity' }).labels, {
      direction: 'inbound', target_addr: '[::1]:80', target_ip: '::1', target_port: '80', tls: 'no_identity', no_tls_reason: 'no_tls_from_remote',
    });
  });

  it('counts responses by status_code and classification, with grpc_status or error, and latency by status_code', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess });
    const endpoint = metrics.http.endpoint({ direction: 'outbound', target: web, tls: { kind: 'none', reason: 'not_provided_by_service_discovery' } });
    endpoint.latency(200, 3);
    endpoint.latency(200, 700);
    endpoint.latency(503, 0.5);
    endpoint.response({ statusCode: 200, classification: 'success' });
    endpoint.response({ statusCode: 200, classification: 'success' });
    endpoint.response({ statusCode: 503, classification: 'failure' });
    endpoint.response({ statusCode: 200, classification: 'failure', grpcStatus: 14 });
    endpoint.response({ statusCode: 200, classification: 'failure', grpcStatus: 99 });
    endpoint.response({ statusCode: 200, classification: 'failure', error: 'i/o' });
    const families = await scrape(metrics);
    const response = (labels: Record<string, string>) => onlySample(families, 'response_total', labels).value;
    assert.equal(samplesOf(families, 'response_total').length, 5);
    assert.equal(response({ status_code: '200', classification: 'success' }), 2);
    assert.equal(response({ status_code: '503', classification: 'failure' }), 1);
    assert.equal(response({ classification: 'failure', grpc_status: '14' }), 1);
    assert.equal(response({ classification: 'failure', grpc_status: '2' }), 1, 'an unknown gRPC status reads as UNKNOWN');
    assert.equal(response({ classification: 'failure', error: 'i/o' }), 1);
    assert.equal(onlySample(families, 'response_total', { error: 'i/o' }).labels.grpc_status, undefined);
    assert.equal(onlySample(families, 'response_total', { error: 'i/o' }).labels.tls, 'no_identity');

    assert.equal(families.get('response_latency_ms')?.type, 'histogram');
    const buckets = samplesOf(families, 'response_latency_ms', { status_code: '200' }, 'response_latency_ms_bucket');
    assert.deepEqual(buckets.map((b) => b.labels.le), [...latencyBucketsMs.map(String), '+Inf']);
    assert.deepEqual(latencyBucketsMs.slice(0, 6), [1, 2, 3, 4, 5, 10]);
    assert.equal(latencyBucketsMs.at(-1), 50000);
    const le = (bound: string) => buckets.find((b) => b.labels.le === bound)?.value;
    assert.deepEqual([le('2'), le('3'), le('500'), le('1000'), le('+Inf')], [0, 1, 1, 2, 2]);
    assert.equal(onlySample(families, 'response_latency_ms', { status_code: '200' }, 'response_latency_ms_sum').value, 703);
    assert.equal(onlySample(families, 'response_latency_ms', { status_code: '503' }, 'response_latency_ms_count').value, 1);
  });

  it('counts TCP connections, bytes and closes, and lowers the open gauge on close', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess });
    const labels = { direction: 'inbound', peer: 'src', target: web, tls: { kind: 'established', clientId }, server } as const;
    const first = metrics.tcp.connection(labels);
    const second = metrics.tcp.connection(labels);
    first.read(100);
    first.write(40);
    second.read(1);
    let families = await scrape(metrics);
    assert.equal(onlySample(families, 'tcp_open_connections').value, 2);
    assert.equal(families.get('tcp_open_connections')?.type, 'gauge');
    assert.deepEqual(onlySample(families, 'tcp_open_total').labels, {
      direction: 'inbound', peer: 'src', target_addr: '10.1.2.3:8080', target_ip: '10.1.2.3', target_port: '8080',
      tls: 'true', client_id: clientId, srv_group: 'policy.linkerd.io', srv_kind: 'server', srv_name: 'web-http', srv_port: '8080',
    });
    first.close();
    first.close();
    second.close('ECONNRESET');
    families = await scrape(metrics);
    assert.equal(onlySample(families, 'tcp_open_connections').value, 0, 'the gauge went down once per connection');
    assert.equal(onlySample(families, 'tcp_open_total').value, 2);
    assert.equal(onlySample(families, 'tcp_read_bytes_total').value, 101);
    assert.equal(onlySample(families, 'tcp_write_bytes_total').value, 40);
    assert.equal(onlySample(families, 'tcp_close_total', { errno: '' }).value, 1);
    assert.equal(onlySample(families, 'tcp_close_total', { errno: 'ECONNRESET' }).value, 1);
  });

  it('labels the proxy-side TCP peers as Linkerd does, and records a non-OS error close as errno=""', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess });
    metrics.tcp.connection({ direction: 'inbound', peer: 'dst' }).close('ERR_STREAM_PREMATURE_CLOSE');
    metrics.tcp.connection({ direction: 'outbound', peer: 'src', target: web });
    metrics.tcp.connection({ direction: 'outbound', peer: 'dst', target: web, tls: { kind: 'disabled' }, authority: 'web.shop.svc.cluster.local:8080', dst: { 'app.kubernetes.io/name': 'web' } });
    const families = await scrape(metrics);
    assert.deepEqual(onlySample(families, 'tcp_close_total').labels, { direction: 'inbound', peer: 'dst', tls: 'no_identity', no_tls_reason: 'loopback', errno: '' });
    assert.deepEqual(onlySample(families, 'tcp_open_total', { direction: 'outbound', peer: 'src' }).labels.no_tls_reason, 'loopback');
    assert.deepEqual(onlySample(families, 'tcp_open_total', { peer: 'dst', direction: 'outbound' }).labels, {
      direction: 'outbound', peer: 'dst', authority: 'web.shop.svc.cluster.local:8080',
      target_addr: '10.1.2.3:8080', target_ip: '10.1.2.3', target_port: '8080', tls: 'disabled', dst_app_kubernetes_io_name: 'web',
    });
  });

  it('keeps the series of an open connection and a live endpoint through idle sweeps, and drops them after release', async () => {
    let now = 0;
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess, retainIdleMs: 1000, now: () => now });
    const connection = metrics.tcp.connection({ direction: 'outbound', peer: 'src', target: web });
    const endpoint = metrics.http.endpoint({ direction: 'outbound', target: web, tls: { kind: 'disabled' } });
    endpoint.request();
    endpoint.response({ statusCode: 200, classification: 'success' });
    now += 60_000;
    let families = await scrape(metrics);
    assert.equal(onlySample(families, 'tcp_open_total').value, 1);
    assert.equal(onlySample(families, 'tcp_open_connections').value, 1);
    assert.equal(onlySample(families, 'response_total').value, 1);
    connection.close();
    endpoint.release();
    now += 1000;
    families = await scrape(metrics);
    for (const name of ['tcp_open_total', 'tcp_open_connections', 'tcp_close_total', 'request_total', 'response_total']) {
      assert.equal(families.has(name), false, `${name} swept once idle`);
    }
  });

  it('exports the authorization counters with target, policy and TLS labels', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess });
    const tls = { kind: 'established', clientId } as const;
    const allow = metrics.authz.httpAllow({ target: web, server, route, authz, tls });
    allow.inc();
    allow.inc();
    metrics.authz.httpDeny({ target: web, server, route, tls });
    metrics.authz.httpRouteNotFound({ target: web, server, tls });
    metrics.authz.tcpAllow({ target: web, server, authz, tls });
    metrics.authz.tcpDeny({ target: web, server, tls: { kind: 'none', reason: 'no_tls_from_remote' } });
    metrics.authz.tcpTerminate({ target: web, server, tls });
    const families = await scrape(metrics);
    assert.deepEqual(onlySample(families, 'inbound_http_authz_allow_total'), {
      name: 'inbound_http_authz_allow_total',
      labels: {
        target_addr: '10.1.2.3:8080', target_ip: '10.1.2.3', target_port: '8080',
        srv_group: 'policy.linkerd.io', srv_kind: 'server', srv_name: 'web-http', srv_port: '8080',
        route_group: 'gateway.networking.k8s.io', route_kind: 'httproute', route_name: 'web-get',
        authz_group: 'policy.linkerd.io', authz_kind: 'authorizationpolicy', authz_name: 'web-authn',
        tls: 'true', client_id: clientId,
      },
      value: 2,
    });
    assert.equal(onlySample(families, 'inbound_http_authz_deny_total').labels.route_name, 'web-get');
    assert.equal(onlySample(families, 'inbound_http_authz_deny_total').labels.authz_name, undefined);
    assert.equal(onlySample(families, 'inbound_http_route_not_found_total').labels.route_name, undefined);
    assert.equal(onlySample(families, 'inbound_tcp_authz_allow_total').labels.authz_name, 'web-authn');
    assert.equal(onlySample(families, 'inbound_tcp_authz_deny_total').labels.no_tls_reason, 'no_tls_from_remote');
    assert.equal(onlySample(families, 'inbound_tcp_authz_terminate_total').value, 1);
  });

  it('exports the error counters by error, with the target address for TCP', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess });
    metrics.errors.inboundHttp('unauthorized');
    metrics.errors.outboundHttp('failfast');
    metrics.errors.outboundHttp('failfast');
    metrics.errors.inboundTcp(web, 'tls detection timeout');
    metrics.errors.outboundTcp(web, 'i/o');
    const families = await scrape(metrics);
    assert.deepEqual(onlySample(families, 'inbound_http_errors_total').labels, { error: 'unauthorized' });
    assert.equal(onlySample(families, 'outbound_http_errors_total', { error: 'failfast' }).value, 2);
    assert.deepEqual(onlySample(families, 'inbound_tcp_errors_total').labels, {
      target_addr: '10.1.2.3:8080', target_ip: '10.1.2.3', target_port: '8080', error: 'tls detection timeout',
    });
    assert.equal(onlySample(families, 'outbound_tcp_errors_total').labels.error, 'i/o');
  });

  it('exports control-plane client metrics under control_* with addr and server_id', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess });
    const destinationId = 'linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local';
    const client = metrics.control.client({ addr: 'linkerd-dst-headless.linkerd.svc.cluster.local:8086', tls: { kind: 'established', serverId: destinationId } });
    client.request();
    client.latency(200, 12);
    client.response({ statusCode: 200, classification: 'success', grpcStatus: 0 });
    const families = await scrape(metrics);
    const labels = { addr: 'linkerd-dst-headless.linkerd.svc.cluster.local:8086', tls: 'true', server_id: destinationId };
    assert.deepEqual(onlySample(families, 'control_request_total').labels, labels);
    assert.deepEqual(onlySample(families, 'control_response_total').labels, { ...labels, status_code: '200', classification: 'success', grpc_status: '0' });
    assert.equal(onlySample(families, 'control_response_latency_ms', {}, 'control_response_latency_ms_count').value, 1);
    assert.equal(samplesOf(families, 'request_total').length, 0, 'control traffic is not data-plane traffic');
  });

  it('exports identity certificate expiry and refreshes, and build info', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess, build: { version: '0.1.0', git_sha: 'abc123' } });
    let families = await scrape(metrics);
    assert.equal(families.has('identity_cert_expiration_timestamp_seconds'), false, 'no certificate yet');
    metrics.identity.certificateRefreshed(new Date('2030-01-02T03:04:05.678Z'));
    metrics.identity.certificateRefreshed(new Date('2030-01-03T03:04:05Z'));
    families = await scrape(metrics);
    assert.equal(onlySample(families, 'identity_cert_expiration_timestamp_seconds').value, Date.parse('2030-01-03T03:04:05Z') / 1000);
    assert.equal(onlySample(families, 'identity_cert_refresh_count').value, 2);
    assert.deepEqual(onlySample(families, 'proxy_build_info'), { name: 'proxy_build_info', labels: { version: '0.1.0', git_sha: 'abc123' }, value: 1 });
  });

  it('exports process metrics with plausible values', async () => {
    const metrics = createProxyMetrics();
    const before = Date.now() / 1000;
    const families = await scrape(metrics);
    const value = (name: string) => onlySample(families, name).value;
    const start = value('process_start_time_seconds');
    assert.ok(start <= before + 1 && start >= before - process.uptime() - 5, `start time ${start}`);
    assert.ok(value('process_cpu_seconds_total') > 0);
    assert.equal(families.get('process_cpu_seconds_total')?.type, 'counter');
    assert.ok(value('process_resident_memory_bytes') > 1024 * 1024);
    if (process.platform === 'linux') {
      assert.ok(value('process_virtual_memory_bytes') >= value('process_resident_memory_bytes'));
      assert.ok(value('process_open_fds') >= 3, 'stdin, stdout and stderr at least');
      assert.ok(value('process_max_fds') >= value('process_open_fds'));
      assert.ok(value('process_threads') >= 1);
    }
  });

  it('caps request-supplied authorities: new ones share the overflow series and are counted as dropped', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess, maxSeriesPerFamily: 100 });
    for (let i = 0; i < 1000; i += 1) {
      const endpoint = metrics.http.endpoint({ direction: 'inbound', authority: `evil-${i}.example`, target: web, tls: { kind: 'disabled' } });
      endpoint.request();
      endpoint.release();
    }
    const families = await scrape(metrics);
    assert.equal(samplesOf(families, 'request_total').length, 101);
    assert.equal(onlySample(families, 'request_total', { overflow: 'true' }).value, 900);
    assert.equal(onlySample(families, 'proxy_metrics_series_dropped_total', { family: 'request_total' }).value, 900);
  });

  it('renders ten thousand endpoint series as a well-formed exposition', async () => {
    const metrics = createProxyMetrics({ sampleProcess: fakeProcess });
    for (let i = 0; i < 10_000; i += 1) {
      const endpoint = metrics.http.endpoint({ direction: 'outbound', target: { ip: `10.0.${i >> 8}.${i & 255}`, port: 80 }, tls: { kind: 'disabled' } });
      endpoint.request();
      endpoint.response({ statusCode: 200, classification: 'success' });
      if (i % 100 === 0) endpoint.latency(200, i);
    }
    const families = await scrape(metrics);
    assert.equal(samplesOf(families, 'request_total').length, 10_000);
    assert.equal(samplesOf(families, 'response_total').length, 10_000);
    assert.equal(samplesOf(families, 'response_latency_ms', { le: '+Inf' }, 'response_latency_ms_bucket').length, 100);
    assert.equal(families.has('proxy_metrics_series_dropped_total'), false);
  });
});
