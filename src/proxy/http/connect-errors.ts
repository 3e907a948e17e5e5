/**
 * Sorting socket and HTTP client errors into the proxy's error kinds. A failure to connect means
 * the request never reached an application; anything after that is an upstream failure.
 */
import { ProxyError } from './proxy-error.js';

const connectCodes = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'ENOTFOUND']);

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** A ProxyError for `error` raised while sending to `target`; an abort keeps its own reason. */
export function sendFailure(error: unknown, target: string, signal: AbortSignal): ProxyError {
  if (signal.aborted && signal.reason instanceof ProxyError) return signal.reason;
  if (error instanceof ProxyError) return error;
  const code = errorCode(error);
  if (code !== undefined && connectCodes.has(code)) return new ProxyError('connect-failed', `connect to ${target} failed: ${code}`, { cause: error });
  return new ProxyError('upstream-failed', `request to ${target} failed${code === undefined ? '' : `: ${code}`}`, { cause: error });
}

export function connectTimeout(target: string, ms: number): ProxyError {
  return new ProxyError('connect-failed', `connect to ${target} timed out after ${ms} ms`);
}
