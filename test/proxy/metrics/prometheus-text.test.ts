import assert from 'node:assert/strict';
import fc from 'fast-check';
import { joinLabels, labelNameFrom, LabelSetError, labelText, noLabels } from '../../../src/proxy/metrics/label-set.js';
import { bucketSuffixes, formatValue, writeHeader, writeHistogram, writeSample } from '../../../src/proxy/metrics/prometheus-text.js';
import { parseExposition } from './exposition-parser.js';

describe('proxy metrics: label sets and the text format', () => {
  it('escapes backslash, double quote and newline in label values so they read back exactly', () => {
    const value = 'a "quoted" \\path\\ and\na second line';
    const out: string[] = [];
    writeHeader(out, 'escaped_total', 'help with a \\ backslash\nand a newline', 'counter');
    writeSample(out, 'escaped_total', labelText([['authority', value], ['other', '']]), 1);
    const text = out.join('');
    assert.equal(text.split('\n').length, 4, 'the newline in the value and help is escaped, not written');
    const family = parseExposition(text).get('escaped_total');
    assert.equal(family?.help, 'help with a \\ backslash\nand a newline');
    assert.deepEqual(family?.samples[0]?.labels, { authority: value, other: '' });
  });

  it('reads back any label value, whatever characters it holds', () => {
    const special = fc.constantFrom('\\', '"', '\n', '\r', '{', '}', ',', '=', ' ', '\\n', 'é', '😀', '\u2028');
    fc.assert(fc.property(fc.string({ unit: fc.oneof(special, fc.string({ minLength: 1, maxLength: 1 })) }), (value) => {
      const out: string[] = [];
      writeHeader(out, 'x', 'h', 'gauge');
      writeSample(out, 'x', labelText([['v', value]]), 2);
      assert.equal(parseExposition(out.join('')).get('x')?.samples[0]?.labels.v, value);
    }));
  });

  it('refuses invalid, reserved and repeated label names, naming the label', () => {
    assert.throws(() => labelText([['bad-name', 'x']]), (e: Error) => e instanceof LabelSetError && /"bad-name"/.test(e.message));
    assert.throws(() => labelText([['le', '1']]), LabelSetError);
    assert.throws(() => labelText([['__name__', 'x']]), LabelSetError);
    assert.throws(() => labelText([['9lives', 'x']]), LabelSetError);
    assert.throws(() => labelText([['a', '1'], ['a', '2']]), /appears twice/);
  });

  it('makes label names out of Kubernetes label keys', () => {
    assert.equal(labelNameFrom('app.kubernetes.io/name'), 'app_kubernetes_io_name');
    assert.equal(labelNameFrom('1st'), '_1st');
    assert.equal(labelNameFrom('pod-template-hash'), 'pod_template_hash');
  });

  it('joins label texts, skipping empty ones', () => {
    assert.equal(joinLabels(noLabels, labelText([['a', '1']]), noLabels, labelText([['b', '2']])), 'a="1",b="2"');
    assert.equal(joinLabels(noLabels, noLabels), '');
  });

  it('prints non-finite values as Prometheus spells them', () => {
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(12), '12');
    assert.equal(formatValue(0.25), '0.25');
    assert.equal(Number(formatValue(1e21)), 1e21);
  });

  it('writes a histogram as cumulative buckets ending at +Inf, then its sum and count', () => {
    const out: string[] = [];
    writeHeader(out, 'lat_ms', 'latency', 'histogram');
    writeHistogram(out, 'lat_ms', labelText([['d', 'x']]), bucketSuffixes([1, 10]), Float64Array.from([2, 0, 3]), 123.5);
    writeHistogram(out, 'lat_ms', noLabels, bucketSuffixes([1, 10]), Float64Array.from([0, 1, 0]), 5);
    const samples = parseExposition(out.join('')).get('lat_ms')?.samples ?? [];
    const buckets = samples.filter((s) => s.name === 'lat_ms_bucket' && s.labels.d === 'x').map((s) => [s.labels.le, s.value]);
    assert.deepEqual(buckets, [['1', 2], ['10', 2], ['+Inf', 5]]);
    assert.deepEqual(samples.filter((s) => s.labels.d === 'x' && s.name !== 'lat_ms_bucket').map((s) => [s.name, s.value]), [['lat_ms_sum', 123.5], ['lat_ms_count', 5]]);
    assert.deepEqual(samples.filter((s) => s.labels.d === undefined && s.name === 'lat_ms_count').map((s) => s.value), [1]);
  });
});
