/**
 * The CLI's tables and JSON, character for character: Linkerd's columns and number formats, `-`
 * where there is no data, type prefixes when several types are shown.
 */
import assert from 'node:assert/strict';
import { formatEdges } from '../../src/viz/edges-format.js';
import type { BasicStats, StatRow } from '../../src/viz/metrics-api-types.js';
import { formatRoutes } from '../../src/viz/routes-format.js';
import { formatStat } from '../../src/viz/stat-format.js';

const stats: BasicStats = { successCount: 90, failureCount: 10, rps: 100 / 60, successRate: 0.9, latencyMsP50: 3.4, latencyMsP95: 9.6, latencyMsP99: 10 };

function row(type: StatRow['resource']['type'], name: string, withStats: boolean, extra: Partial<StatRow> = {}): StatRow {
  return {
    resource: { type, namespace: 'shop', name }, timeWindow: '1m', meshedPodCount: 2, runningPodCount: 2, failedPodCount: 0,
    stats: withStats ? stats : null, tcp: withStats ? { openConnections: 3, readBytesTotal: 600, writeBytesTotal: 1200 } : null, ...extra,
  };
}

const base = { output: 'table', allNamespaces: false, unmeshed: false, from: false } as const;

describe('stat output', () => {
  it('prints Linkerd\'s table with - for a row without traffic, leaving unmeshed resources out', () => {
    const rows = [row('deployment', 'web', true), row('deployment', 'curl', false, { meshedPodCount: 1, runningPodCount: 1 }), row('deployment', 'legacy', false, { meshedPodCount: 0 })];
    assert.equal(formatStat(rows, base).out, [
      'NAME   MESHED   SUCCESS      RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   TCP_CONN',
      'curl      1/1         -        -             -             -             -          -',
      'web       2/2    90.00%   1.7rps           3ms          10ms          10ms          3',
      '',
    ].join('\n'));
    assert.match(formatStat(rows, { ...base, unmeshed: true }).out, /^legacy\s+0\/2\s+-/m);
  });

  it('adds NAMESPACE with -A, STATUS for pods, byte rates with -o wide, and type prefixes for several types', () => {
    const out = formatStat([row('pod', 'web-1', true, { status: 'Running' }), row('deployment', 'web', true)], { ...base, output: 'wide', allNamespaces: true }).out;
    assert.equal(out, [
      'NAMESPACE   NAME         MESHED   SUCCESS      RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   TCP_CONN   READ_BYTES/SEC   WRITE_BYTES/SEC',
      'shop        deploy/web      2/2    90.00%   1.7rps           3ms          10ms          10ms          3          10.0B/s           20.0B/s',
      '',
      'NAMESPACE   NAME          STATUS   MESHED   SUCCESS      RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   TCP_CONN   READ_BYTES/SEC   WRITE_BYTES/SEC',
      'shop        po/web-1     Running      2/2    90.00%   1.7rps           3ms          10ms          10ms          3          10.0B/s           20.0B/s',
      '',
    ].join('\n'));
  });

  it('prints JSON entries as Linkerd does, nulls where there is no data, and a note when nothing is shown', () => {
    const json = JSON.parse(formatStat([row('deployment', 'web', true), row('deployment', 'idle', false)], { ...base, output: 'json' }).out) as unknown[];
    assert.deepEqual(json, [
      { namespace: 'shop', kind: 'deployment', name: 'idle', meshed: '2/2', success: null, rps: null, latency_ms_p50: null, latency_ms_p95: null, latency_ms_p99: null },
      {
        namespace: 'shop', kind: 'deployment', name: 'web', meshed: '2/2', success: 0.9, rps: 100 / 60, latency_ms_p50: 3, latency_ms_p95: 10, latency_ms_p99: 10,
        tcp_open_connections: 3, tcp_read_bytes_rate: 10, tcp_write_bytes_rate: 20,
      },
    ]);
    assert.deepEqual(formatStat([], base), { out: '', note: 'No traffic found.' });
  });
});

describe('routes and edges output', () => {
  it('prints a routes table per resource, headed when there are several', () => {
    const tables = [
      { resource: 'deployment/web', rows: [{ route: 'books', target: 'web-http', timeWindow: '1m', stats }, { route: '[DEFAULT]', target: 'web-http', timeWindow: '1m', stats: { ...stats, successCount: 0, failureCount: 0 } }] },
      { resource: 'deployment/api', rows: [{ route: '[DEFAULT]', target: '', timeWindow: '1m', stats }] },
    ];
    assert.equal(formatRoutes(tables, { output: 'table', outbound: false }).out, [
      '==> deployment/web <==',
      'ROUTE         SERVER   SUCCESS      RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99',
      'books       web-http    90.00%   1.7rps           3ms          10ms          10ms',
      '[DEFAULT]   web-http         -        -             -             -             -',
      '',
      '==> deployment/api <==',
      'ROUTE       SERVER   SUCCESS      RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99',
      '[DEFAULT]        -    90.00%   1.7rps           3ms          10ms          10ms',
      '',
    ].join('\n') + '\n');
    assert.deepEqual(Object.keys(JSON.parse(formatRoutes(tables, { output: 'json', outbound: true }).out) as object), ['deploy/web', 'deploy/api']);
  });

  it('prints edges with shortened identities, √ for mutual TLS and the reason otherwise', () => {
    const edge = (dst: string, serverId: string, noIdentityMsg: string) => ({
      src: { type: 'deployment' as const, namespace: 'shop', name: 'curl' }, dst: { type: 'deployment' as const, namespace: 'shop', name: dst },
      clientId: 'curl.shop.serviceaccount.identity.linkerd.cluster.local', serverId, noIdentityMsg,
    });
    const edges = [edge('web', 'web.shop.serviceaccount.identity.linkerd.cluster.local', ''), edge('legacy', '', 'Not Provided By Service Discovery')];
    assert.equal(formatEdges(edges, 'wide').out, [
      'SRC    DST      SRC_NS   DST_NS   CLIENT_ID   SERVER_ID   SECURED',
      'curl   web      shop     shop     curl.shop   web.shop    √',
      'curl   legacy   shop     shop     curl.shop               Not Provided By Service Discovery',
      '',
    ].join('\n'));
  });
});
