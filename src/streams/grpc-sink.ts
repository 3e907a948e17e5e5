/**
 * A subscription's transport end on a gRPC server stream. `translate` turns each hub message into
 * the protocol's messages (zero or more); writes honour grpc-js's `write() === false` and `drain`.
 * An overflowing subscription ends the call with RESOURCE_EXHAUSTED (the client reconnects and
 * starts again from a snapshot); a shutdown ends it cleanly. The client's cancel, or any end of the
 * call, is reported once through `onClose`.
 */
import { type ServerWritableStream, status } from '@grpc/grpc-js';
import type { MessageSink } from './view-message.js';

export function grpcSink<M, W>(call: ServerWritableStream<unknown, W>, translate: (message: M) => readonly W[], overflowDetails: string): MessageSink<M> {
  return {
    write(message) {
      let ok = true;
      for (const out of translate(message)) ok = call.write(out);
      return ok;
    },
    onDrain(listener) {
      call.once('drain', listener);
    },
    close(reason) {
      if (reason === 'overflow') call.emit('error', { code: status.RESOURCE_EXHAUSTED, details: overflowDetails });
      else call.end();
    },
    onClose(listener) {
      onCallEnd(call, listener);
    },
  };
}

/** Calls `listener` once when a server call ends in any way: cancelled, finished, failed or closed. */
export function onCallEnd(call: NodeJS.EventEmitter, listener: () => void): void {
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    listener();
  };
  for (const event of ['cancelled', 'close', 'finish', 'error']) call.once(event, once);
}
