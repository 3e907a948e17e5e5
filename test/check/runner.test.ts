import assert from 'node:assert/strict';
import { type Category, type Checker, type CheckResult, SkipCheck } from '../../src/check/checker.js';
import { runChecks } from '../../src/check/runner.js';

function category(checkers: Checker[]): Category {
  return { id: 'linkerd-existence', checkers };
}

const pass = (description: string): Checker => ({ description, hintAnchor: 'a', run: async () => undefined });
const fail = (description: string, more: Partial<Checker> = {}): Checker => ({
  description, hintAnchor: 'anchor', run: async () => {
    throw new Error(`${description} failed`);
  }, ...more,
});

async function run(categories: Category[], options: { waitMs?: number; retryIntervalMs?: number; checkTimeoutMs?: number } = {}) {
  const reports: CheckResult[] = [];
  const summary = await runChecks(categories, {
    deadline: Date.now() + (options.waitMs ?? 0), retryIntervalMs: options.retryIntervalMs ?? 5,
    checkTimeoutMs: options.checkTimeoutMs ?? 5000, observe: (r) => reports.push(r),
  });
  return { reports, summary };
}

describe('check runner', () => {
  it('runs every check in order and reports each with its hint URL', async () => {
    const { reports, summary } = await run([category([pass('one'), pass('two')]), { id: 'linkerd-identity', checkers: [pass('three')] }]);
    assert.deepEqual(reports.map((r) => [r.category, r.description, r.error]), [
      ['linkerd-existence', 'one', undefined], ['linkerd-existence', 'two', undefined], ['linkerd-identity', 'three', undefined],
    ]);
    assert.equal(reports[0]?.hintUrl, 'https://linkerd.io/2/checks/#a');
    assert.deepEqual(summary, { success: true, warning: false });
  });

  it('stops at a fatal failure and fails the run', async () => {
    const { reports, summary } = await run([category([fail('first', { fatal: true }), pass('never')])]);
    assert.deepEqual(reports.map((r) => r.description), ['first']);
    assert.equal(reports[0]?.error, 'first failed');
    assert.deepEqual(summary, { success: false, warning: false });
  });

  it('goes on after a failure that is not fatal, and a failing warning does not fail the run', async () => {
    const failing = await run([category([fail('soft'), pass('after')])]);
    assert.deepEqual(failing.reports.map((r) => r.description), ['soft', 'after']);
    assert.equal(failing.summary.success, false);
    const warned = await run([category([fail('careful', { warning: true }), pass('after')])]);
    assert.deepEqual(warned.summary, { success: true, warning: true });
    assert.equal(warned.reports[0]?.warning, true);
  });

  it('reports nothing for a skipped check', async () => {
    const skipped: Checker = { description: 'skipped', hintAnchor: 'x', run: async () => { throw new SkipCheck('not here'); } };
    const { reports, summary } = await run([category([skipped, pass('after')])]);
    assert.deepEqual(reports.map((r) => r.description), ['after']);
    assert.equal(summary.success, true);
  });

  it('retries a retryable check until it passes, reporting each wait', async () => {
    let attempts = 0;
    const flaky: Checker = {
      description: 'eventually', hintAnchor: 'x', retry: true,
      run: async () => {
        attempts += 1;
        if (attempts < 4) throw new Error(`only ${attempts} of 4`);
      },
    };
    const { reports, summary } = await run([category([flaky])], { waitMs: 5000 });
    assert.equal(attempts, 4);
    assert.deepEqual(reports.map((r) => [r.retry, r.error]), [
      [true, 'waiting for check to complete'], [true, 'waiting for check to complete'], [true, 'waiting for check to complete'], [false, undefined],
    ]);
    assert.equal(summary.success, true);
  });

  it('shows the error while retrying when the check says it tells progress', async () => {
    let attempts = 0;
    const flaky: Checker = {
      description: 'pods', hintAnchor: 'x', retry: true, surfaceErrorOnRetry: true,
      run: async () => {
        attempts += 1;
        if (attempts < 2) throw new Error('pod/a container b is not ready');
      },
    };
    const { reports } = await run([category([flaky])], { waitMs: 5000 });
    assert.deepEqual(reports.map((r) => r.error), ['pod/a container b is not ready', undefined]);
  });

  it('gives up at the deadline and reports the last error as the result', async () => {
    const started = Date.now();
    const { reports, summary } = await run([category([fail('never', { retry: true, fatal: true })])], { waitMs: 150, retryIntervalMs: 20 });
    assert.ok(Date.now() - started < 2000);
    const last = reports[reports.length - 1];
    assert.deepEqual([last?.retry, last?.error], [false, 'never failed']);
    assert.ok(reports.filter((r) => r.retry).length >= 2, 'it retried');
    assert.equal(summary.success, false);
  });

  it('does not retry without a wait, nor a check that is not retryable', async () => {
    let attempts = 0;
    const counted: Checker = { description: 'counted', hintAnchor: 'x', retry: true, run: async () => { attempts += 1; throw new Error('no'); } };
    await run([category([counted])]);
    assert.equal(attempts, 1);
    let plain = 0;
    await run([category([{ description: 'plain', hintAnchor: 'x', run: async () => { plain += 1; throw new Error('no'); } }])], { waitMs: 1000 });
    assert.equal(plain, 1);
  });

  it('fails a check that outlives its timeout, even one that ignores its signal', async () => {
    let aborted = false;
    const hung: Checker = {
      description: 'hung', hintAnchor: 'x',
      run: (signal) => new Promise<void>(() => { signal.addEventListener('abort', () => { aborted = true; }); }),
    };
    const { reports } = await run([category([hung, pass('after')])], { checkTimeoutMs: 50 });
    assert.equal(reports[0]?.error, 'the check did not finish within 0.05 s');
    assert.equal(aborted, true);
    assert.equal(reports[1]?.description, 'after');
  });
});
