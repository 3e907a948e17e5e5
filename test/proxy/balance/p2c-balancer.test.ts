import assert from 'node:assert/strict';
import fc from 'fast-check';
import { P2cBalancer, type Pick } from '../../../src/proxy/balance/p2c-balancer.js';
import { seededRandom } from './fixtures.js';

function endpoints(...keys: string[]): Map<string, string> {
  return new Map(keys.map((key) => [key, `${key}:8080`]));
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 0;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

const accrual = { maxFailures: 1, minPenaltyMs: 1_000, maxPenaltyMs: 8_000, jitterRatio: 0 };

describe('power-of-two-choices balancer', () => {
  it('has nothing to pick before it has endpoints', () => {
    const balancer = new P2cBalancer<string>();
    assert.equal(balancer.ready(), false);
    assert.equal(balancer.pick(), undefined);
    balancer.update(endpoints());
    assert.equal(balancer.pick(), undefined);
  });

  it('always picks the only endpoint', () => {
    const balancer = new P2cBalancer<string>({ random: seededRandom(1) });
    balancer.update(endpoints('a'));
    for (let i = 0; i < 20; i++) assert.equal(balancer.pick()?.endpoint, 'a:8080');
    assert.ok(balancer.ready());
  });

  it('picks between two endpoints at random when their costs are equal', () => {
    const balancer = new P2cBalancer<string>({ random: seededRandom(2), now: () => 0 });
    balancer.update(endpoints('a', 'b'));
    const counts = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const pick = balancer.pick() as Pick<string>;
      counts.set(pick.key, (counts.get(pick.key) ?? 0) + 1);
      pick.end('success');
    }
    assert.ok((counts.get('a') ?? 0) > 50 && (counts.get('b') ?? 0) > 50, JSON.stringify([...counts]));
  });

  it('sends every request to the endpoint with fewer pending requests when there are two', () => {
    const time = clock();
    const balancer = new P2cBalancer<string>({ random: seededRandom(3), now: time.now });
    balancer.update(endpoints('a', 'b'));
    const busy = balancer.pick() as Pick<string>;
    const idle = busy.key === 'a' ? 'b' : 'a';
    for (let i = 0; i < 30; i++) {
      const pick = balancer.pick() as Pick<string>;
      assert.equal(pick.key, idle);
      pick.end('success');
    }
    assert.equal(balancer.cost(busy.key), 60);
  });

  it('picks a much slower endpoint less often than 1/N of the time', function () {
    this.timeout(120_000);
    const scenario = fc.record({
      count: fc.integer({ min: 2, max: 8 }),
      seed: fc.integer(),
      fastMs: fc.integer({ min: 1, max: 20 }),
      slowFactor: fc.integer({ min: 10, max: 100 }),
    });
    fc.assert(
      fc.property(scenario, ({ count, seed, fastMs, slowFactor }) => {
        const time = clock();
        const balancer = new P2cBalancer<number>({ random: seededRandom(seed), now: time.now });
        balancer.update(new Map(Array.from({ length: count }, (_, i) => [`ep${i}`, i])));
        const inFlight: { endsAt: number; pick: Pick<number> }[] = [];
        const total = 2_000;
        let slowPicks = 0;
        for (let step = 0; step < total; step++) {
          time.advance(1);
          for (let i = inFlight.length - 1; i >= 0; i--) {
            const entry = inFlight[i] as { endsAt: number; pick: Pick<number> };
            if (entry.endsAt > time.now()) continue;
            entry.pick.end('success');
            inFlight.splice(i, 1);
          }
          const pick = balancer.pick() as Pick<number>;
          const slow = pick.endpoint === 0;
          if (slow) slowPicks += 1;
          inFlight.push({ endsAt: time.now() + (slow ? fastMs * slowFactor : fastMs), pick });
        }
        assert.ok(slowPicks < total / count, `slow endpoint got ${slowPicks} of ${total} picks among ${count}`);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps the load of endpoints that stay, starts new ones fresh and forgets removed ones', () => {
    const time = clock();
    const balancer = new P2cBalancer<string>({ random: seededRandom(4), now: time.now });
    balancer.update(endpoints('a'));
    const slow = balancer.pick() as Pick<string>;
    time.advance(400);
    slow.end('success');
    const pending = balancer.pick() as Pick<string>;
    assert.equal(balancer.cost('a'), 800);

    balancer.update(endpoints('a', 'c'));
    assert.equal(balancer.cost('a'), 800);
    assert.equal(balancer.cost('c'), 30);

    balancer.update(endpoints('c'));
    assert.equal(balancer.cost('a'), undefined);
    assert.deepEqual([...balancer.keys()], ['c']);
    balancer.update(endpoints('a', 'c'));
    assert.equal(balancer.cost('a'), 30, 'a returning key starts fresh');
    assert.doesNotThrow(() => pending.end('failure'));
    assert.equal(balancer.cost('a'), 30, 'the old pick did not touch the new state');
  });

  it('hands out the endpoint value current at pick time and the new value after an update', () => {
    const balancer = new P2cBalancer<string>({ random: seededRandom(5) });
    balancer.update(new Map([['a', 'old']]));
    const before = balancer.pick() as Pick<string>;
    balancer.update(new Map([['a', 'new']]));
    assert.equal(before.endpoint, 'old');
    assert.equal(balancer.pick()?.endpoint, 'new');
  });

  it('counts a pick ended twice, or completed then ended, once', () => {
    const time = clock();
    const balancer = new P2cBalancer<string>({ random: seededRandom(6), now: time.now });
    balancer.update(endpoints('a'));
    const pick = balancer.pick() as Pick<string>;
    balancer.pick();
    time.advance(100);
    pick.complete();
    time.advance(900);
    pick.end('success');
    pick.end('failure');
    pick.complete();
    assert.equal(balancer.cost('a'), 100 * Math.exp(-900 / 10_000) * 2);
  });

  it('skips endpoints that failure accrual has taken out until their penalty ends', () => {
    const time = clock();
    const balancer = new P2cBalancer<string>({ random: seededRandom(7), now: time.now, failureAccrual: accrual });
    balancer.update(endpoints('a', 'b', 'c'));
    let failed: string | undefined;
    while (failed === undefined) {
      const pick = balancer.pick() as Pick<string>;
      if (pick.key === 'b') {
        pick.end('failure');
        failed = pick.key;
      } else {
        pick.end('success');
      }
    }
    for (let i = 0; i < 100; i++) {
      const pick = balancer.pick() as Pick<string>;
      assert.notEqual(pick.key, 'b');
      pick.end('success');
    }
    assert.equal(balancer.nextAvailableAt(), 1_000);
    time.advance(1_000);
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add((balancer.pick() as Pick<string>).key);
    assert.ok(seen.has('b'), 'b was probed once its penalty ended');
  });

  it('is not ready while every endpoint is penalized, and tells watchers when a probe recovers one', () => {
    const time = clock();
    const balancer = new P2cBalancer<string>({ random: seededRandom(8), now: time.now, failureAccrual: accrual });
    let changes = 0;
    const unwatch = balancer.watch(() => (changes += 1));
    balancer.update(endpoints('a', 'b'));
    assert.equal(changes, 1);
    (balancer.pick() as Pick<string>).end('failure');
    (balancer.pick() as Pick<string>).end('failure');
    assert.equal(balancer.ready(), false);
    assert.equal(balancer.pick(), undefined);
    time.advance(1_000);
    const probe = balancer.pick() as Pick<string>;
    const second = balancer.pick() as Pick<string>;
    assert.notEqual(probe.key, second.key, 'each penalized endpoint gets one probe');
    assert.equal(balancer.pick(), undefined, 'no third request while both probes are out');
    const before = changes;
    probe.end('success');
    assert.equal(changes, before + 1);
    assert.equal(balancer.pick()?.key, probe.key);
    unwatch();
    balancer.update(endpoints('a'));
    assert.equal(changes, before + 1);
  });

  it('rejects bad options, naming them', () => {
    assert.throws(() => new P2cBalancer({ ewma: { decayMs: -1 } }), /decayMs/);
    assert.throws(() => new P2cBalancer({ failureAccrual: { ...accrual, maxFailures: 0 } }), /maxFailures/);
  });
});
