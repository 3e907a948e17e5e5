/**
 * Sending a request, and sending it again when the route's retry policy allows: the response's
 * status (HTTP) or `grpc-status` (gRPC, in headers of a trailers-only response) is one the policy
 * retries, attempts remain, and the retry budget (balance/retry-budget.ts) has room. A failure to
 * connect is retried once more whatever the policy says, since that request never reached an
 * application. Only requests whose body is buffered can be sent again, and only a route with a
 * retry policy buffers (up to its `maxRequestBytes`; a larger body streams through once, never
 * retried): elsewhere a request with a body streams straight through, and a streaming call
 * (client-streaming gRPC) on a route with retries waits for its body to end or pass the limit.
 *
 * Contract: resolves with the response to relay and its `end` callback (the balancer's outcome);
 * rejects with the last attempt's error. Every attempt's pick is ended exactly once. A retried
 * response's body is discarded.
 */
import type { Readable } from 'node:stream';
import type { RetryBudget } from '../balance/retry-budget.js';
import { ProxyError } from '../http/proxy-error.js';
import type { UpstreamResponse } from '../http/upstream.js';
import type { RetryPolicy } from '../policy/outbound-router.js';

export interface AttemptResult {
  readonly upstream: UpstreamResponse;
  /** Ends the attempt's pick: `ok` when the exchange succeeded. */
  readonly end: (ok: boolean) => void;
}

export type Attempt = (body: Readable | Buffer | undefined, signal: AbortSignal) => Promise<AttemptResult>;

export interface RetryOptions {
  readonly body: Readable | undefined;
  readonly retry: RetryPolicy | undefined;
  readonly budget: RetryBudget;
  readonly signal: AbortSignal;
  readonly grpc: boolean;
}

const defaultMaxBufferedBytes = 64 * 1024;

export async function sendWithRetries(attempt: Attempt, options: RetryOptions): Promise<AttemptResult> {
  const limit = options.retry?.maxRequestBytes ?? defaultMaxBufferedBytes;
  // Only a route with retries waits for the body: buffering would stall a streaming request.
  const buffered = options.body === undefined || options.retry === undefined ? undefined : await bufferUpTo(options.body, limit);
  const replayable = options.body === undefined || buffered !== undefined;
  const body = (): Readable | Buffer | undefined => (options.body === undefined ? undefined : buffered ?? options.body);
  options.budget.deposit();
  const maxRetries = replayable ? (options.retry?.maxRetries ?? 0) : 0;
  let retries = 0;
  let connectRetried = false;
  for (;;) {
    let result: AttemptResult;
    try {
      result = await attempt(body(), options.signal);
    } catch (error) {
      if (error instanceof ProxyError && error.retryable && replayable && !connectRetried && !options.signal.aborted) {
        connectRetried = true;
        continue;
      }
      throw error;
    }
    const again = retries < maxRetries && shouldRetry(result.upstream, options) && options.budget.tryWithdraw();
    if (!again) return result;
    retries += 1;
    result.upstream.body.resume();
    result.end(false);
  }
}

function shouldRetry(upstream: UpstreamResponse, options: RetryOptions): boolean {
  const policy = options.retry;
  if (policy === undefined) return false;
  if (policy.kind === 'grpc') {
    const code = Number(upstream.headers['grpc-status'] ?? NaN);
    return options.grpc && policy.codes.includes(code);
  }
  return policy.statusRanges.some((range) => upstream.status >= range.start && upstream.status <= range.end);
}

/**
 * The whole body when it is at most `limit` bytes. A larger body cannot be buffered: then the
 * bytes already read are put back and undefined is returned, and the body streams through as is.
 */
function bufferUpTo(body: Readable, limit: number): Promise<Buffer | undefined> {
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        cleanup();
        body.pause();
        body.unshift(Buffer.concat(chunks));
        resolve(undefined);
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new ProxyError('bad-request', `request body failed: ${error.message}`));
    };
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
  });
}
