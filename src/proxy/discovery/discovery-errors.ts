/**
 * The discovery clients' named errors, sorted into retryable and terminal (DESIGN.md rule 6).
 *
 * - ControlStreamError (retryable): a stream ended or failed; it is reopened after a backoff.
 *   Carried by `disconnected` events, never thrown at a subscriber.
 * - DiscoveryRejectedError (terminal): the control plane refused the target for good (for
 *   example INVALID_ARGUMENT for an authority it cannot resolve); the watch errors with it.
 * - DiscoveryTargetError (terminal): the target given to a watch is malformed, or the client
 *   cannot open calls at all (it was closed); the watch errors with it before any call is made.
 */
import { status } from '@grpc/grpc-js';
import type { DiscoveryRpc } from './discovery-metrics.js';

export type Retry = 'retryable' | 'terminal';

export abstract class DiscoveryError extends Error {
  abstract readonly retry: Retry;
}

/** The name of a gRPC status code (`UNAVAILABLE`), or its number when unknown. */
export function statusName(code: number): string {
  return (status as unknown as Record<number, string>)[code] ?? String(code);
}

export class ControlStreamError extends DiscoveryError {
  readonly retry = 'retryable' as const;
  override readonly name = 'ControlStreamError';

  constructor(readonly rpc: DiscoveryRpc, readonly target: string, readonly code: status, readonly details: string) {
    super(`${rpc} ${target}: ${statusName(code)}${details === '' ? '' : `: ${details}`}`);
  }
}

export class DiscoveryRejectedError extends DiscoveryError {
  readonly retry = 'terminal' as const;
  override readonly name = 'DiscoveryRejectedError';

  constructor(readonly rpc: DiscoveryRpc, readonly target: string, readonly code: status, readonly details: string) {
    super(`${rpc} ${target} was refused: ${statusName(code)}${details === '' ? '' : `: ${details}`}`);
  }
}

export class DiscoveryTargetError extends DiscoveryError {
  readonly retry = 'terminal' as const;
  override readonly name = 'DiscoveryTargetError';
}
