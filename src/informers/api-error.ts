/**
 * Errors from the Kubernetes API, sorted once into retryable and terminal (DESIGN.md rule 6).
 *
 * `Expired` (410) is its own class because it changes what the reflector does next: relist.
 */
export type ErrorClass = 'retryable' | 'terminal';

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly errorClass: ErrorClass,
    readonly retryAfterMs?: number) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The resourceVersion asked for is older than the server's history: the client must relist. */
export class ExpiredError extends ApiError {
  constructor(message: string) {
    super(message, 410, 'retryable');
    this.name = 'ExpiredError';
  }
}

/** A watch line that is not a watch event: counted, and the reflector relists. */
export class MalformedEventError extends ApiError {
  constructor(message: string) {
    super(message, 0, 'retryable');
    this.name = 'MalformedEventError';
  }
}

/** Maps an HTTP status (with its Status body's message) to an error. All are retryable for an informer. */
export function apiErrorFor(status: number, message: string, retryAfterSeconds?: string): ApiError {
  if (status === 410) return new ExpiredError(message);
  const retryAfter = retryAfterSeconds === undefined ? undefined : Number(retryAfterSeconds) * 1000;
  return new ApiError(`HTTP ${status}: ${message}`, status, 'retryable',
    retryAfter !== undefined && Number.isFinite(retryAfter) ? retryAfter : undefined);
}
