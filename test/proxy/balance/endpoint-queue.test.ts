import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EndpointQueue, FailFastError, QueueClosedError, QueueFullError } from '../../../src/proxy/balance/endpoint-queue.js';
import { P2cBalancer, type Pick } from '../../../src/proxy/balance/p2c-balancer.js';
import { ManualTimers, seededRandom, settle } from './fixtures.js';

interface Outcome {
  pick?: Pick<string>;
  error?: unknown;
}

function track(promise: Promise<Pick<string>>, log?: string[], label?: string): Outcome {
  const outcome: Outcome = {};
  promise.then(
    (pick) => {
      outcome.pick = pick;
      if (log !== undefined && label !== undefined) log.push(label);
    },
    (error: unknown) => {
      outcome.error = error;
    },
  );
  return outcome;
}

function setup(options: { capacity?: number; failfastMs?: number; accrual?: boolean } = {}) {
  const timers = new ManualTimers();
  const balancer = new P2cBalancer<string>({
    random: seededRandom(11),
    now: timers.now,
    failureAccrual: options.accrual === true ? { maxFailures: 1, minPenaltyMs: 1_000, maxPenaltyMs: 1_000, jitterRatio: 0 } : undefined,
  });
  const queue = new EndpointQueue(balancer, { capacity: options.capacity, failfastMs: options.failfastMs, name: 'web.shop.svc' }, timers);
  return { timers, balancer, queue };
}

const one = new Map([['a', '10.0.0.1:80']]);

describe('endpoint queue', () => {
  it('hands out an endpoint at once when one is ready', async () => {
    const { balancer, queue, timers } = setup();
    balancer.update(one);
    assert.equal(queue.tryPick()?.key, 'a');
    assert.equal((await queue.acquire()).key, 'a');
    assert.equal(queue.state(), 'open');
    assert.equal(timers.pending, 0);
  });

  it('releases waiters in arrival order as soon as an endpoint appears', async () => {
    const { balancer, queue, timers } = setup();
    const order: string[] = [];
    const outcomes = ['first', 'second', 'third'].map((label) => track(queue.acquire(), order, label));
    assert.equal(queue.tryPick(), undefined);
    assert.equal(queue.waiting, 3);
    assert.equal(queue.state(), 'waiting');
    timers.advance(1_000);
    balancer.update(one);
    await settle();
    assert.deepEqual(order, ['first', 'second', 'third']);
    assert.ok(outcomes.every((o) => o.pick?.key === 'a'));
    assert.equal(queue.waiting, 0);
    assert.equal(timers.pending, 0, 'no timer is left once nobody waits');
  });

  it('releases one waiter per probe and the next when the probe succeeds, in order', async () => {
    const { balancer, queue, timers } = setup({ accrual: true });
    balancer.update(one);
    (queue.tryPick() as Pick<string>).end('failure');
    const order: string[] = [];
    const first = track(queue.acquire(), order, 'first');
    const second = track(queue.acquire(), order, 'second');
    timers.advance(1_000);
    await settle();
    assert.deepEqual(order, ['first'], 'the penalty ended and the first waiter got the probe');
    first.pick?.end('success');
    await settle();
    assert.deepEqual(order, ['first', 'second']);
    assert.equal(second.pick?.key, 'a');
  });

  it('fails waiters fast after 3 s without endpoints, then new requests at once, until one appears', async () => {
    const { balancer, queue, timers } = setup();
    const waiting = track(queue.acquire());
    timers.advance(2_999);
    await settle();
    assert.deepEqual(waiting, {});
    timers.advance(1);
    await settle();
    assert.ok(waiting.error instanceof FailFastError);
    assert.match(String(waiting.error), /web\.shop\.svc/);
    assert.equal(queue.state(), 'failfast');
    assert.equal(timers.pending, 0);
    await assert.rejects(queue.acquire(), FailFastError);
    balancer.update(new Map());
    await assert.rejects(queue.acquire(), FailFastError, 'an empty update does not end fail-fast');
    balancer.update(one);
    assert.equal(queue.state(), 'open');
    assert.equal((await queue.acquire()).key, 'a');
  });

  it('restarts the fail-fast clock whenever an endpoint was available', async () => {
    const { balancer, queue, timers } = setup();
    const first = track(queue.acquire());
    timers.advance(2_000);
    balancer.update(one);
    await settle();
    assert.equal(first.pick?.key, 'a');
    balancer.update(new Map());
    timers.advance(5_000);
    const second = track(queue.acquire());
    timers.advance(2_999);
    await settle();
    assert.deepEqual(second, {}, 'a new wait gets the full 3 s');
    timers.advance(1);
    await settle();
    assert.ok(second.error instanceof FailFastError);
  });

  it('counts waits without endpoints continuously, even when the waiters gave up', async () => {
    const { queue, timers } = setup();
    const controller = new AbortController();
    track(queue.acquire(controller.signal));
    timers.advance(2_000);
    controller.abort();
    assert.equal(timers.pending, 0);
    timers.advance(2_000);
    const late = track(queue.acquire());
    timers.advance(0);
    await settle();
    assert.ok(late.error instanceof FailFastError);
  });

  it('rejects a request that finds the queue full, and accepts it again when room frees', async () => {
    const { balancer, queue } = setup({ capacity: 2 });
    const controller = new AbortController();
    track(queue.acquire(controller.signal));
    track(queue.acquire());
    await assert.rejects(queue.acquire(), (error: unknown) => error instanceof QueueFullError && /2 requests/.test(error.message));
    controller.abort();
    const third = track(queue.acquire());
    balancer.update(one);
    await settle();
    assert.equal(third.pick?.key, 'a');
  });

  it('holds 100 waiters by default', async () => {
    const { queue } = setup();
    for (let i = 0; i < 100; i++) track(queue.acquire());
    await assert.rejects(queue.acquire(), QueueFullError);
  });

  it('takes an aborted waiter out of the queue and rejects it with the abort reason', async () => {
    const { balancer, queue } = setup();
    const controller = new AbortController();
    const order: string[] = [];
    const gone = track(queue.acquire(controller.signal), order, 'aborted');
    track(queue.acquire(), order, 'kept');
    controller.abort(new Error('client went away'));
    await settle();
    assert.match(String(gone.error), /client went away/);
    assert.equal(queue.waiting, 1);
    balancer.update(one);
    await settle();
    assert.deepEqual(order, ['kept']);
    const already = AbortSignal.abort(new Error('too late'));
    await assert.rejects(queue.acquire(already), /too late/);
    balancer.update(new Map());
    await assert.rejects(queue.acquire(already), /too late/);
  });

  it('rejects waiters and later requests once closed, and stops listening to the balancer', async () => {
    const { balancer, queue, timers } = setup();
    const waiting = track(queue.acquire());
    queue.close();
    await settle();
    assert.ok(waiting.error instanceof QueueClosedError);
    assert.equal(timers.pending, 0);
    balancer.update(one);
    assert.equal(queue.tryPick(), undefined);
    await assert.rejects(queue.acquire(), QueueClosedError);
    assert.equal(queue.state(), 'closed');
  });

  it('rejects bad options, naming them', () => {
    const balancer = new P2cBalancer<string>();
    assert.throws(() => new EndpointQueue(balancer, { capacity: -1 }), /capacity/);
    assert.throws(() => new EndpointQueue(balancer, { failfastMs: Number.NaN }), /failfastMs/);
  });

  it('never leaves a request waiting while an endpoint is free, nor a timer while none waits', async function () {
    this.timeout(120_000);
    const op = fc.oneof(
      fc.constant({ kind: 'acquire' as const }),
      fc.nat(20).map((index) => ({ kind: 'abort' as const, index })),
      fc.nat(3).map((count) => ({ kind: 'endpoints' as const, count })),
      fc.integer({ min: 0, max: 2_000 }).map((ms) => ({ kind: 'advance' as const, ms })),
      fc.nat(20).map((index) => ({ kind: 'end' as const, index, failed: index % 2 === 0 })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const { balancer, queue, timers } = setup({ capacity: 5, accrual: true });
        const controllers: AbortController[] = [];
        const order: string[] = [];
        const outcomes: Outcome[] = [];
        for (const step of ops) {
          if (step.kind === 'acquire') {
            const controller = new AbortController();
            controllers.push(controller);
            outcomes.push(track(queue.acquire(controller.signal), order, String(outcomes.length)));
          } else if (step.kind === 'abort') {
            controllers[step.index]?.abort();
          } else if (step.kind === 'endpoints') {
            balancer.update(new Map(Array.from({ length: step.count }, (_, i) => [`e${i}`, `10.0.0.${i}:80`])));
          } else if (step.kind === 'advance') {
            timers.advance(step.ms);
          } else {
            outcomes[step.index]?.pick?.end(step.failed ? 'failure' : 'success');
          }
          await settle();
          assert.ok(queue.waiting <= 5);
          if (queue.waiting > 0) assert.equal(balancer.ready(), false, 'a request waits while an endpoint is free');
          else assert.equal(timers.pending, 0, 'a timer runs while nobody waits');
        }
        const resolved = order.map(Number);
        assert.deepEqual(resolved, [...resolved].sort((x, y) => x - y), 'waiters were served out of order');
      }),
      { numRuns: 200 },
    );
  });
});
