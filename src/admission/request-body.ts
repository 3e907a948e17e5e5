/**
 * Reading a request body under a size limit.
 *
 * Contract: a body up to `limit` bytes is returned whole. A larger one is not kept: it is read and
 * dropped to its end (so the client, which may still be writing, gets to read the answer), unless
 * it passes `drainLimit` (or declares a length past it), where reading stops at once and the
 * caller must close the connection after answering. A client that goes away mid-body is an error.
 */
import type { IncomingMessage } from 'node:http';

export type BodyResult =
  | { readonly kind: 'complete'; readonly body: Buffer }
  /** `drained`: the whole body was read, so the connection can carry another request. */
  | { readonly kind: 'too-large'; readonly drained: boolean };

export function readBody(request: IncomingMessage, limit: number, drainLimit: number): Promise<BodyResult> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > drainLimit) return Promise.resolve({ kind: 'too-large', drained: false });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (result: BodyResult | Error) => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > drainLimit) {
        request.pause();
        finish({ kind: 'too-large', drained: false });
      } else if (total <= limit) {
        chunks.push(chunk);
      }
    };
    const onEnd = () => finish(total > limit ? { kind: 'too-large', drained: true } : { kind: 'complete', body: Buffer.concat(chunks, total) });
    const onError = (error: Error) => finish(error);
    const onClose = () => finish(new Error('the client closed the connection before sending the whole body'));
    request.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
