/**
 * Opaque TCP: bytes copied both ways between the accepted connection and the upstream one, with
 * backpressure (pipe), half-close passed through, and byte counts for the metrics.
 *
 * Contract: resolves once both sockets are closed, with the bytes read from the client and
 * written to it. An error on either side destroys both; nothing is thrown.
 */
import type { Duplex } from 'node:stream';

export interface ForwardResult {
  /** Bytes received from the client. */
  readonly readBytes: number;
  /** Bytes sent to the client. */
  readonly writeBytes: number;
  readonly error: Error | undefined;
}

export function forwardTcp(client: Duplex, upstream: Duplex, onBytes?: (read: number, written: number) => void): Promise<ForwardResult> {
  return new Promise<ForwardResult>((resolve) => {
    let readBytes = 0;
    let writeBytes = 0;
    let failure: Error | undefined;
    let open = 2;
    const closed = (): void => {
      open -= 1;
      if (open === 0) resolve({ readBytes, writeBytes, error: failure });
    };
    const fail = (error: Error): void => {
      failure ??= error;
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => { readBytes += chunk.length; onBytes?.(chunk.length, 0); });
    upstream.on('data', (chunk: Buffer) => { writeBytes += chunk.length; onBytes?.(0, chunk.length); });
    client.once('error', fail);
    upstream.once('error', fail);
    client.once('close', () => { if (!upstream.destroyed && !upstream.writableEnded) upstream.end(); closed(); });
    upstream.once('close', () => { if (!client.destroyed && !client.writableEnded) client.end(); closed(); });
    client.pipe(upstream);
    upstream.pipe(client);
  });
}
