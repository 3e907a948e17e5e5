import assert from 'node:assert/strict';
import { duration, parseDuration } from '../../src/cli/duration.js';

describe('Go-style durations', () => {
  it('reads what Go writes', () => {
    assert.equal(parseDuration('24h'), 86_400_000);
    assert.equal(parseDuration('20s'), 20_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('300ms'), 300);
    assert.equal(parseDuration('2m3s500ms'), 123_500);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('1500us'), 1.5);
  });

  it('refuses what Go refuses, and signs', () => {
    for (const text of ['', '24', 'h', '1d', '1h 30m', '-1s', '+1s', '1.s.5']) assert.equal(parseDuration(text), undefined, text);
  });

  it('names the flag when a value is wrong or too small', () => {
    assert.throws(() => duration('--identity-issuance-lifetime', '1 day', 0), /--identity-issuance-lifetime must be a duration/);
    assert.throws(() => duration('--identity-issuance-lifetime', '30s', 0, 60_000), /at least 60000 ms/);
    assert.equal(duration('--x', undefined, 42), 42);
  });
});
