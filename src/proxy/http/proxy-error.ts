/**
 * The errors the proxy answers for itself, instead of the application, as Linkerd's proxy does:
 * one HTTP status per kind and an `l5d-proxy-error` header whose value says what went wrong.
 * A gRPC request gets the matching `grpc-status` in a trailers-only response (HTTP 200), because a
 * gRPC client reads the status from there and not from the HTTP status.
 *
 * Contract: every error the data path raises while serving a request is one of these classes;
 * anything else maps to 502 with a generic message, so no stack or internal detail reaches a
 * client.
 */
import { status as grpcStatus } from '@grpc/grpc-js';

export type ProxyErrorKind =
  | 'unauthorized' | 'no-route' | 'fail-fast' | 'queue-full' | 'no-endpoints' | 'connect-failed'
  | 'response-timeout' | 'upstream-failed' | 'bad-request' | 'identity-unavailable';

export interface ErrorResponse {
  readonly httpStatus: number;
  readonly grpcStatus: grpcStatus;
  /** Label value for the `error` label of the errors counters. */
  readonly label: string;
}

const responses: Readonly<Record<ProxyErrorKind, ErrorResponse>> = {
  'unauthorized': { httpStatus: 403, grpcStatus: grpcStatus.PERMISSION_DENIED, label: 'unauthorized' },
  'no-route': { httpStatus: 404, grpcStatus: grpcStatus.NOT_FOUND, label: 'no_route' },
  'fail-fast': { httpStatus: 503, grpcStatus: grpcStatus.UNAVAILABLE, label: 'failfast' },
  'queue-full': { httpStatus: 503, grpcStatus: grpcStatus.UNAVAILABLE, label: 'loadshed' },
  'no-endpoints': { httpStatus: 503, grpcStatus: grpcStatus.UNAVAILABLE, label: 'no_endpoints' },
  'identity-unavailable': { httpStatus: 503, grpcStatus: grpcStatus.UNAVAILABLE, label: 'tls_unavailable' },
  'connect-failed': { httpStatus: 502, grpcStatus: grpcStatus.UNAVAILABLE, label: 'connect_failed' },
  'upstream-failed': { httpStatus: 502, grpcStatus: grpcStatus.UNAVAILABLE, label: 'upstream' },
  'response-timeout': { httpStatus: 504, grpcStatus: grpcStatus.DEADLINE_EXCEEDED, label: 'response_timeout' },
  'bad-request': { httpStatus: 400, grpcStatus: grpcStatus.INTERNAL, label: 'bad_request' },
};

export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  constructor(readonly kind: ProxyErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  get response(): ErrorResponse {
    return responses[this.kind];
  }

  /** Whether the request may be sent again to another endpoint: it never reached an application. */
  get retryable(): boolean {
    return this.kind === 'connect-failed';
  }
}

/** Any error as a ProxyError: unknown errors become an upstream failure with a generic message. */
export function asProxyError(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  return new ProxyError('upstream-failed', 'upstream request failed', { cause: error });
}

/** The response headers of a proxy-generated error, for HTTP (`grpc=false`) or gRPC. */
export function errorHeaders(error: ProxyError, grpc: boolean): Record<string, string> {
  const message = headerSafe(error.message);
  if (!grpc) return { 'l5d-proxy-error': message, 'content-type': 'text/plain; charset=utf-8' };
  return {
    'l5d-proxy-error': message,
    'content-type': 'application/grpc',
    'grpc-status': String(error.response.grpcStatus),
    'grpc-message': encodeURIComponent(message),
  };
}

/** Header values may not hold control characters; messages can carry names from requests. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 512);
}

export function isGrpcRequest(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.startsWith('application/grpc');
}
