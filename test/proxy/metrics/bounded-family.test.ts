import assert from 'node:assert/strict';
import fc from 'fast-check';
import { labelText } from '../../../src/proxy/metrics/label-set.js';
import { droppedSeriesName, MetricRegistry, MetricRegistryError } from '../../../src/proxy/metrics/metric-registry.js';
import { onlySample, parseExposition, samplesOf } from './exposition-parser.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

const authority = (value: string) => labelText([['authority', value]]);

describe('proxy metrics: bounded families', () => {
  it('sends label sets beyond the cap to one overflow series and counts them as dropped', () => {
    const registry = new MetricRegistry({ maxSeriesPerFamily: 3 });
    const requests = registry.counter('request_total', 'requests');
    for (let i = 0; i < 10; i += 1) requests.add(authority(`host-${i}.example`));
    requests.add(authority('host-0.example'), 4);
    const families = parseExposition(registry.render().join(''));
    const samples = samplesOf(families, 'request_total');
    assert.equal(samples.length, 4, 'three series and the overflow one');
    assert.equal(onlySample(families, 'request_total', { authority: 'host-0.example' }).value, 5, 'a series made before the cap keeps counting');
    assert.deepEqual(onlySample(families, 'request_total', { overflow: 'true' }), { name: 'request_total', labels: { overflow: 'true' }, value: 7 });
    assert.equal(onlySample(families, droppedSeriesName, { family: 'request_total' }).value, 7);
    assert.equal(requests.size, 4);
  });

  it('never holds more than the cap plus one series, whatever label sets arrive', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.string(), { maxLength: 200 }), (cap, hosts) => {
      const registry = new MetricRegistry({ maxSeriesPerFamily: cap });
      const family = registry.counter('request_total', 'requests');
      for (const host of hosts) family.add(authority(host));
      const samples = samplesOf(parseExposition(registry.render().join('')), 'request_total');
      const distinct = new Set(hosts).size;
      assert.equal(samples.length, distinct > cap ? cap + 1 : distinct);
      assert.equal(samples.reduce((sum, s) => sum + s.value, 0), hosts.length, 'every increment is counted somewhere');
    }));
  });

  it('keeps a leased series while it is held, and drops it once released and idle', () => {
    const time = clock();
    const registry = new MetricRegistry({ retainIdleMs: 1000, now: time.now });
    const family = registry.counter('request_total', 'requests');
    const lease = family.lease(authority('held'));
    lease.inc(3);
    time.advance(5000);
    assert.equal(onlySample(parseExposition(registry.render().join('')), 'request_total').value, 3, 'held series survive idleness');
    lease.release();
    lease.release();
    time.advance(999);
    assert.equal(family.size, 1);
    registry.render();
    assert.equal(family.size, 1, 'not idle long enough yet');
    time.advance(1);
    registry.render();
    assert.equal(family.size, 0, 'released and idle: swept');
  });

  it('keeps a series touched by label set until it has been idle for the retention', () => {
    const time = clock();
    const registry = new MetricRegistry({ retainIdleMs: 1000, now: time.now });
    const family = registry.counter('errors_total', 'errors');
    family.add(authority('a'));
    time.advance(900);
    family.add(authority('a'));
    time.advance(900);
    registry.render();
    assert.equal(family.size, 1);
    time.advance(100);
    registry.render();
    assert.equal(family.size, 0);
  });

  it('makes room in a full family by sweeping idle series before overflowing', () => {
    const time = clock();
    const registry = new MetricRegistry({ maxSeriesPerFamily: 2, retainIdleMs: 1000, now: time.now });
    const family = registry.counter('request_total', 'requests');
    family.lease(authority('a')).release();
    const held = family.lease(authority('b'));
    time.advance(2000);
    family.add(authority('c'));
    const families = parseExposition(registry.render().join(''));
    assert.deepEqual(samplesOf(families, 'request_total').map((s) => s.labels.authority), ['b', 'c']);
    assert.equal(samplesOf(families, droppedSeriesName).length, 0, 'nothing was dropped');
    held.release();
  });

  it('lowers a gauge on dec and renders a negative value if asked to', () => {
    const registry = new MetricRegistry();
    const gauge = registry.gauge('tcp_open_connections', 'open');
    const a = gauge.lease(authority('x'));
    const b = gauge.lease(authority('x'));
    a.inc();
    b.inc();
    a.dec();
    assert.equal(onlySample(parseExposition(registry.render().join('')), 'tcp_open_connections').value, 1);
    b.set(-2);
    assert.equal(onlySample(parseExposition(registry.render().join('')), 'tcp_open_connections').value, -2);
  });

  it('ignores counter increments that are not positive numbers', () => {
    const registry = new MetricRegistry();
    const lease = registry.counter('c_total', 'c').lease(labelText([]));
    lease.inc(-5);
    lease.inc(NaN);
    lease.inc(2);
    assert.equal(onlySample(parseExposition(registry.render().join('')), 'c_total').value, 2);
  });

  it('renders histograms whose buckets, sum and count agree with the observations', () => {
    const bounds = [1, 5, 10, 50];
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { maxLength: 100 }), (values) => {
      const registry = new MetricRegistry();
      const lease = registry.histogram('lat_ms', 'latency', bounds).lease(labelText([['d', 'in']]));
      for (const value of values) lease.observe(value);
      const families = parseExposition(registry.render().join(''));
      if (values.length === 0) {
        assert.equal(onlySample(families, 'lat_ms', {}, 'lat_ms_count').value, 0);
        return;
      }
      const buckets = samplesOf(families, 'lat_ms', {}, 'lat_ms_bucket');
      assert.deepEqual(buckets.map((b) => b.labels.le), ['1', '5', '10', '50', '+Inf']);
      [...bounds, Infinity].forEach((bound, i) => {
        assert.equal(buckets[i]?.value, values.filter((v) => v <= bound).length, `le=${bound}`);
      });
      assert.equal(onlySample(families, 'lat_ms', {}, 'lat_ms_count').value, values.length);
      const sum = onlySample(families, 'lat_ms', {}, 'lat_ms_sum').value;
      assert.ok(Math.abs(sum - values.reduce((a, b) => a + b, 0)) < 1e-6);
    }));
  });

  it('refuses a family registered twice, a bad name, unordered buckets and a bad cap', () => {
    const registry = new MetricRegistry();
    registry.counter('a_total', 'a');
    assert.throws(() => registry.gauge('a_total', 'again'), MetricRegistryError);
    assert.throws(() => registry.counter('bad-name', 'x'), /not valid/);
    assert.throws(() => registry.histogram('h', 'x', [5, 1]), /strictly increasing/);
    assert.throws(() => new MetricRegistry({ maxSeriesPerFamily: 0 }), /positive integer/);
  });

  it('leaves out families without series', () => {
    const registry = new MetricRegistry();
    registry.counter('unused_total', 'never counted');
    assert.equal(registry.render().join(''), '');
  });
});
