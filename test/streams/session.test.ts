import assert from 'node:assert/strict';
import { fold } from '../../src/streams/differ.js';
import { Session } from '../../src/streams/session.js';
import { snapshotOf, type Snapshot, type SnapshotItem } from '../../src/streams/snapshot.js';
import type { MessageSink, ViewMessage } from '../../src/streams/view-message.js';

/** A sink whose buffer holds `room` messages until `drain()` is called. */
class TestSink implements MessageSink<ViewMessage<number>> {
  readonly written: ViewMessage<number>[] = [];
  closedWith: string | undefined;
  private drainListeners: (() => void)[] = [];
  private closeListeners: (() => void)[] = [];
  constructor(private room: number) {}
  write(message: ViewMessage<number>): boolean {
    this.written.push(message);
    this.room--;
    return this.room > 0;
  }
  onDrain(listener: () => void): void { this.drainListeners.push(listener); }
  close(reason: 'overflow' | 'shutdown'): void {
    this.closedWith = reason;
    for (const listener of this.closeListeners) listener();
  }
  onClose(listener: () => void): void { this.closeListeners.push(listener); }
  drain(room: number): void {
    this.room = room;
    const listeners = this.drainListeners;
    this.drainListeners = [];
    for (const listener of listeners) listener();
  }
}

function folded(messages: readonly ViewMessage<number>[]): { exists: boolean; items: Map<string, SnapshotItem<number>> } {
  const items = new Map<string, SnapshotItem<number>>();
  let exists = false;
  for (const message of messages) {
    if (message.type === 'snapshot') {
      items.clear();
      exists = message.exists;
      for (const item of message.items) items.set(item.name, item);
    } else fold(items, message);
  }
  return { exists, items };
}

const snap = (...names: string[]): Snapshot<number> => snapshotOf(names.map((name, i) => [name, i]));

describe('subscription session', () => {
  it('sends a full snapshot first, then deltas', () => {
    const sink = new TestSink(100);
    const session = new Session(sink, { kind: 'bounded', capacity: 10 }, snap('a'), () => undefined);
    session.update(snap('a', 'b'));
    assert.equal(sink.written[0]?.type, 'snapshot');
    assert.deepEqual(sink.written[1], { type: 'delta', upserts: snap('a', 'b').items.slice(1), removals: [] });
  });

  it('says a view does not exist, then resets when it appears', () => {
    const sink = new TestSink(100);
    const session = new Session(sink, { kind: 'latest' }, undefined, () => undefined);
    session.update(snap('a'));
    assert.deepEqual(sink.written.map((message) => message.type), ['snapshot', 'snapshot']);
    assert.equal(folded(sink.written).exists, true);
    session.update(undefined);
    assert.equal(folded(sink.written).exists, false);
  });

  it('sends nothing for an update that changes nothing', () => {
    const sink = new TestSink(100);
    const session = new Session(sink, { kind: 'bounded', capacity: 10 }, snap('a'), () => undefined);
    session.update(snap('a'));
    assert.equal(sink.written.length, 1);
  });

  it('latest: writes nothing while the transport is full, then one delta to the newest state', () => {
    const sink = new TestSink(1);
    const session = new Session(sink, { kind: 'latest' }, snap('a'), () => undefined);
    for (let i = 0; i < 50; i++) session.update(snap('a', `b${i}`));
    assert.equal(sink.written.length, 1, 'write() returned false, so nothing more was written');
    sink.drain(100);
    assert.equal(sink.written.length, 2);
    assert.deepEqual([...folded(sink.written).items.keys()], ['a', 'b49']);
  });

  it('bounded: queues while full and closes with overflow past its capacity', () => {
    const sink = new TestSink(1);
    let overflows = 0;
    const session = new Session(sink, { kind: 'bounded', capacity: 3 }, snap('a'), () => { overflows++; });
    for (let i = 0; i < 3; i++) session.update(snap('a', `b${i}`));
    assert.equal(sink.closedWith, undefined);
    session.update(snap('a', 'b3'));
    assert.equal(sink.closedWith, 'overflow');
    assert.equal(overflows, 1);
    assert.ok(session.closed);
  });

  it('bounded: a subscriber that drains in time receives every step and ends in the latest state', () => {
    const sink = new TestSink(1);
    const session = new Session(sink, { kind: 'bounded', capacity: 10 }, snap('a'), () => undefined);
    session.update(snap('a', 'b'));
    session.update(snap('b'));
    sink.drain(100);
    assert.equal(sink.written.length, 3);
    assert.deepEqual([...folded(sink.written).items.keys()], ['b']);
  });
});
