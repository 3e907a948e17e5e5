import assert from 'node:assert/strict';
import { readFailureAccrual, readGrpcRetry, readHttpRetry, readTimeouts } from '../../src/reconcilers/outbound-annotations.js';
import { parseAnnotationDuration, protoDuration } from '../../src/reconcilers/outbound-durations.js';

describe('outbound annotations', () => {
  describe('durations, as Linkerd reads them', () => {
    it('reads a whole number with one unit, and a bare 0', () => {
      assert.equal(parseAnnotationDuration('250ms'), 250);
      assert.equal(parseAnnotationDuration(' 5s '), 5000);
      assert.equal(parseAnnotationDuration('2m'), 120_000);
      assert.equal(parseAnnotationDuration('1h'), 3_600_000);
      assert.equal(parseAnnotationDuration('1d'), 86_400_000);
      assert.equal(parseAnnotationDuration('0'), 0);
    });

    it('refuses fractions, compound durations, bare numbers and unknown units', () => {
      for (const text of ['1.5s', '1m30s', '10', '5sec', 's', '', '-1s', '1us']) assert.equal(parseAnnotationDuration(text), undefined, text);
    });

    it('writes protobuf Durations in seconds and nanos', () => {
      assert.deepEqual(protoDuration(30), { seconds: '0', nanos: 30_000_000 });
      assert.deepEqual(protoDuration(10_000), { seconds: '10', nanos: 0 });
    });
  });

  describe('timeouts', () => {
    it('reads request, response and idle', () => {
      const parsed = readTimeouts({ 'timeout.linkerd.io/request': '10s', 'timeout.linkerd.io/response': '500ms', 'timeout.linkerd.io/idle': '1m' });
      assert.deepEqual(parsed, { ok: true, value: { request: protoDuration(10_000), response: protoDuration(500), idle: protoDuration(60_000) } });
    });

    it('gives up on all of them when one cannot be read, naming it', () => {
      const parsed = readTimeouts({ 'timeout.linkerd.io/request': '10s', 'timeout.linkerd.io/idle': 'forever' });
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.problem, /timeout\.linkerd\.io\/idle/);
    });
  });

  describe('HTTP retries', () => {
    it('is off without annotations', () => {
      assert.deepEqual(readHttpRetry({}), { ok: true, value: null });
    });

    it('turns on with any retry annotation, with a limit of 1 and Linkerd\'s body limit and backoff', () => {
      const parsed = readHttpRetry({ 'retry.linkerd.io/http': '5xx' });
      assert.ok(parsed.ok && parsed.value !== null);
      assert.equal(parsed.value.max_retries, 1);
      assert.equal(parsed.value.max_request_bytes, 65_536);
      assert.deepEqual(parsed.value.conditions, { status_ranges: [{ start: 500, end: 599 }] });
      assert.deepEqual(parsed.value.backoff, { min_backoff: protoDuration(25), max_backoff: protoDuration(250), jitter_ratio: 1 });
      assert.equal(parsed.value.timeout, null);
    });

    it('reads statuses, ranges, gateway-error, a limit and a per-try timeout', () => {
      const parsed = readHttpRetry({ 'retry.linkerd.io/http': '429,gateway-error,500-501', 'retry.linkerd.io/limit': '3', 'retry.linkerd.io/timeout': '200ms' });
      assert.ok(parsed.ok && parsed.value !== null);
      assert.deepEqual(parsed.value.conditions?.status_ranges, [{ start: 429, end: 429 }, { start: 502, end: 504 }, { start: 500, end: 501 }]);
      assert.equal(parsed.value.max_retries, 3);
      assert.deepEqual(parsed.value.timeout, protoDuration(200));
    });

    it('treats a limit and a timeout of 0 as unset', () => {
      assert.deepEqual(readHttpRetry({ 'retry.linkerd.io/limit': '0', 'retry.linkerd.io/timeout': '0' }), { ok: true, value: null });
    });

    it('refuses a status outside 100-599, a reversed range, a spaced list and a huge limit', () => {
      const cases: Record<string, string>[] = [{ 'retry.linkerd.io/http': '600' }, { 'retry.linkerd.io/http': '504-500' },
        { 'retry.linkerd.io/http': '5xx, 429' }, { 'retry.linkerd.io/limit': '70000' }, { 'retry.linkerd.io/timeout': '1.5s' }];
      for (const annotations of cases) {
        assert.equal(readHttpRetry(annotations).ok, false, JSON.stringify(annotations));
      }
    });
  });

  describe('gRPC retries', () => {
    it('reads status names into their condition flags', () => {
      const parsed = readGrpcRetry({ 'retry.linkerd.io/grpc': 'unavailable,deadline-exceeded' });
      assert.ok(parsed.ok && parsed.value !== null);
      assert.deepEqual(parsed.value.conditions, { cancelled: false, deadine_exceeded: true, internal: false, resource_exhausted: false, unavailable: true });
    });

    it('refuses a status Linkerd does not retry', () => {
      assert.equal(readGrpcRetry({ 'retry.linkerd.io/grpc': 'not-found' }).ok, false);
    });
  });

  describe('failure accrual', () => {
    it('is off without the mode annotation', () => {
      assert.deepEqual(readFailureAccrual({}), { ok: true, value: null });
    });

    it('has Linkerd\'s defaults: 7 failures, 1s to 60s, jitter 0.5', () => {
      const parsed = readFailureAccrual({ 'balancer.linkerd.io/failure-accrual': 'consecutive' });
      assert.deepEqual(parsed, { ok: true, value: { consecutive_failures: {
        max_failures: 7, backoff: { min_backoff: protoDuration(1000), max_backoff: protoDuration(60_000), jitter_ratio: 0.5 },
      } } });
    });

    it('reads every parameter', () => {
      const parsed = readFailureAccrual({
        'balancer.linkerd.io/failure-accrual': 'consecutive',
        'balancer.linkerd.io/failure-accrual-consecutive-max-failures': '3',
        'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '500ms',
        'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': '2m',
        'balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio': '0.25',
      });
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.value?.consecutive_failures, {
        max_failures: 3, backoff: { min_backoff: protoDuration(500), max_backoff: protoDuration(120_000), jitter_ratio: 0.25 },
      });
    });

    it('refuses an unknown mode, a min above the max, a zero max and a negative jitter', () => {
      const mode = { 'balancer.linkerd.io/failure-accrual': 'consecutive' };
      for (const annotations of [
        { 'balancer.linkerd.io/failure-accrual': 'sliding' },
        { ...mode, 'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '2m', 'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': '1m' },
        { ...mode, 'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': '0', 'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '0' },
        { ...mode, 'balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio': '-1' },
        { ...mode, 'balancer.linkerd.io/failure-accrual-consecutive-max-failures': 'many' },
      ]) assert.equal(readFailureAccrual(annotations).ok, false, JSON.stringify(annotations));
    });
  });
});
