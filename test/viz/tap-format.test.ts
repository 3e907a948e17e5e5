import assert from 'node:assert/strict';
import { formatTapLine, type TapEvent } from '../../src/viz/tap/tap-event.js';
import { createTopTable, formatMicros } from '../../src/viz/tap/top-table.js';

const d = (micros: number) => ({ seconds: Math.floor(micros / 1e6), nanos: (micros % 1e6) * 1000 });

function request(stream: number, path: string, options: { method?: string; srcPod?: string; dst?: string } = {}): TapEvent {
  return {
    source: { ip: '10.0.0.1', port: 5000 + stream, metadata: options.srcPod === undefined ? { tls: 'true' } : { tls: 'true', pod: options.srcPod } },
    destination: { ip: options.dst ?? '10.0.0.2', port: 8080, metadata: {} },
    routeMeta: {}, proxyDirection: 'INBOUND',
    requestInitEvent: { id: { base: 3, stream }, method: options.method ?? 'GET', scheme: 'http', authority: 'web', path },
  };
}

function answered(req: TapEvent, status: number, micros: number, end: { grpc?: number; reset?: number } = {}): TapEvent[] {
  const { requestInitEvent, ...base } = req;
  const id = requestInitEvent?.id ?? { base: 0, stream: 0 };
  return [
    { ...base, responseInitEvent: { id, sinceRequestInit: d(micros / 2), httpStatus: status } },
    {
      ...base, responseEndEvent: {
        id, sinceRequestInit: d(micros), sinceResponseInit: d(micros / 2), responseBytes: 12,
        ...(end.grpc === undefined ? {} : { grpcStatusCode: end.grpc }), ...(end.reset === undefined ? {} : { resetErrorCode: end.reset }),
      },
    },
  ];
}

describe('tap lines', () => {
  it('prints the three events as Linkerd\'s CLI does, the TLS status from the reporting side', () => {
    const req = request(7, '/books');
    const [rsp, end] = answered(req, 200, 2_500_000, { grpc: 5 });
    assert.equal(formatTapLine(req), 'req id=3:7 proxy=in  src=10.0.0.1:5007 dst=10.0.0.2:8080 tls=true :method=GET :authority=web :path=/books');
    assert.equal(formatTapLine(rsp as TapEvent), 'rsp id=3:7 proxy=in  src=10.0.0.1:5007 dst=10.0.0.2:8080 tls=true :status=200 latency=1250000µs');
    assert.equal(formatTapLine(end as TapEvent), 'end id=3:7 proxy=in  src=10.0.0.1:5007 dst=10.0.0.2:8080 tls=true grpc-status=NotFound duration=1250000µs response-length=12B');
    const out: TapEvent = { ...req, proxyDirection: 'OUTBOUND', destination: { ip: 'fd00::1', port: 80, metadata: { tls: 'not_provided_by_service_discovery' } } };
    assert.equal(formatTapLine(out), 'req id=3:7 proxy=out src=10.0.0.1:5007 dst=[fd00::1]:80 tls=not_provided_by_service_discovery :method=GET :authority=web :path=/books');
    const [, reset] = answered(req, 200, 10, { reset: 8 });
    assert.match(formatTapLine(reset as TapEvent), / reset-error=8 duration=5µs response-length=12B$/);
  });
});

describe('the top table', () => {
  it('merges requests by source, destination, method and path, with best, worst and last latency', () => {
    const table = createTopTable();
    const events = [
      ...[[0, 300], [1, 100], [2, 200]].flatMap(([stream, micros]) => {
        const req = request(stream ?? 0, '/a', { srcPod: 'curl-1' });
        return [req, ...answered(req, 200, micros ?? 0)];
      }),
      ...(() => { const req = request(3, '/a', { srcPod: 'curl-1', method: 'POST' }); return [req, ...answered(req, 200, 50)]; })(),
    ];
    for (const event of events) table.add(event);
    const rows = table.rows();
    assert.deepEqual(rows.map((row) => [row.source, row.destination, row.method, row.path, row.count, row.best, row.worst, row.last]), [
      ['curl-1', '10.0.0.2', 'GET', '/a', 3, 100, 300, 200],
      ['curl-1', '10.0.0.2', 'POST', '/a', 1, 50, 50, 50],
    ]);
  });

  it('counts 5xx, resets and gRPC Unknown, DeadlineExceeded, Internal, Unavailable and DataLoss as failures; other gRPC statuses succeed', () => {
    const table = createTopTable();
    const outcomes: [number, { grpc?: number; reset?: number }][] = [
      [200, {}], [404, {}], [503, {}], [200, { reset: 2 }], [200, { grpc: 0 }], [200, { grpc: 5 }], [200, { grpc: 2 }], [200, { grpc: 4 }],
      [200, { grpc: 13 }], [200, { grpc: 14 }], [200, { grpc: 15 }],
    ];
    outcomes.forEach(([status, end], stream) => {
      const req = request(stream, '/x');
      for (const event of [req, ...answered(req, status, 10, end)]) table.add(event);
    });
    const [row] = table.rows();
    assert.equal(row?.successes, 4);
    assert.equal(row?.failures, 7);
    assert.match(table.render(), /^Source\s+Destination\s+Method\s+Path\s+Count\s+Best\s+Worst\s+Last\s+Success Rate\n10\.0\.0\.1\s+10\.0\.0\.2\s+GET\s+\/x\s+11\s+10µs\s+10µs\s+10µs\s+36\.36%\n$/);
  });

  it('ignores responses it saw no request for, and leaves the Source column out with hideSources', () => {
    const table = createTopTable({ hideSources: true });
    const [, end] = answered(request(1, '/lost'), 200, 10);
    table.add(end as TapEvent);
    assert.deepEqual(table.rows(), []);
    const req = request(2, '/kept', { srcPod: 'a' });
    for (const event of [req, ...answered(req, 200, 10)]) table.add(event);
    const other = request(3, '/kept', { srcPod: 'b' });
    for (const event of [other, ...answered(other, 200, 10)]) table.add(event);
    assert.equal(table.rows().length, 1);
    assert.match(table.render(), /^Destination\s+Method/);
  });

  it('writes durations as Go rounds them for top', () => {
    assert.deepEqual([999, 999.6, 1499, 1500, 999_499, 999_600, 2_400_000, 65_000_000].map(formatMicros),
      ['999µs', '1ms', '1ms', '2ms', '999ms', '1s', '2s', '1m5s']);
  });
});
