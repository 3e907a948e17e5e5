/**
 * Opaque TCP: bytes copied both ways between the accepted connection and the upstream one, with
 * backpressure (pipe) and half-close passed through. Byte counts for the metrics are read from
 * the sockets themselves when the connection closes (proxy-telemetry.ts), not counted per chunk.
 *
 * Contract: resolves once both sides are closed, with the first error either side raised. An
 * error on either side destroys both; nothing is thrown.
 */
import type { Duplex } from 'node:stream';

export interface ForwardResult {
  readonly error: Error | undefined;
}

export function forwardTcp(client: Duplex, upstream: Duplex): Promise<ForwardResult> {
  return new Promise<ForwardResult>((resolve) => {
    let failure: Error | undefined;
    let open = 2;
    const closed = (): void => {
      open -= 1;
      if (open === 0) resolve({ error: failure });
    };
    const fail = (error: Error): void => {
      failure ??= error;
      client.destroy();
      upstream.destroy();
    };
    client.once('error', fail);
    upstream.once('error', fail);
    client.once('close', () => { if (!upstream.destroyed && !upstream.writableEnded) upstream.end(); closed(); });
    upstream.once('close', () => { if (!client.destroyed && !client.writableEnded) client.end(); closed(); });
    client.pipe(upstream);
    upstream.pipe(client);
  });
}
