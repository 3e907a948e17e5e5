import assert from 'node:assert/strict';
import { WorkQueue } from '../../src/streams/work-queue.js';

describe('work queue', () => {
  it('hands out a key added many times before it runs once', () => {
    const queue = new WorkQueue<string>();
    for (let i = 0; i < 5; i++) queue.add('a');
    queue.add('b');
    assert.equal(queue.take(), 'a');
    assert.equal(queue.take(), 'b');
    assert.equal(queue.take(), undefined);
  });

  it('never hands out a key twice at once: a key added while processing comes back after done', () => {
    const queue = new WorkQueue<string>();
    queue.add('a');
    assert.equal(queue.take(), 'a');
    queue.add('a');
    assert.equal(queue.take(), undefined, 'a is still being processed');
    queue.done('a');
    assert.equal(queue.take(), 'a');
    queue.done('a');
    assert.equal(queue.take(), undefined);
  });

  it('keeps first-added order', () => {
    const queue = new WorkQueue<number>();
    for (const key of [3, 1, 2, 3, 1]) queue.add(key);
    const out: number[] = [];
    for (let key = queue.take(); key !== undefined; key = queue.take()) out.push(key);
    assert.deepEqual(out, [3, 1, 2]);
  });

  it('puts a failed key back after its delay and says so', async () => {
    let ready = 0;
    const queue = new WorkQueue<string>(() => { ready++; });
    queue.retryAfter('a', 10);
    assert.equal(queue.take(), undefined);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(ready, 1);
    assert.equal(queue.take(), 'a');
    queue.shutdown();
  });
});
