/**
 * Sinew's named errors for the gRPC servers, sorted once into retryable and terminal
 * (DESIGN.md rule 6), and the one function that maps any error to a gRPC status.
 *
 * Anything that is not one of these classes is an internal error: it maps to INTERNAL with a
 * generic message, so no stack or internal detail reaches a client.
 */
import { status, type ServiceError, Metadata } from '@grpc/grpc-js';

export type Retry = 'retryable' | 'terminal';

export abstract class GrpcError extends Error {
  abstract readonly code: status;
  abstract readonly retry: Retry;
}

export class InvalidArgumentError extends GrpcError {
  readonly code = status.INVALID_ARGUMENT;
  readonly retry = 'terminal' as const;
  override readonly name = 'InvalidArgumentError';
}

export class NotFoundError extends GrpcError {
  readonly code = status.NOT_FOUND;
  readonly retry = 'terminal' as const;
  override readonly name = 'NotFoundError';
}

export class FailedPreconditionError extends GrpcError {
  readonly code = status.FAILED_PRECONDITION;
  readonly retry = 'terminal' as const;
  override readonly name = 'FailedPreconditionError';
}

export class PermissionDeniedError extends GrpcError {
  readonly code = status.PERMISSION_DENIED;
  readonly retry = 'terminal' as const;
  override readonly name = 'PermissionDeniedError';
}

export class UnauthenticatedError extends GrpcError {
  readonly code = status.UNAUTHENTICATED;
  readonly retry = 'terminal' as const;
  override readonly name = 'UnauthenticatedError';
}

export class UnavailableError extends GrpcError {
  readonly code = status.UNAVAILABLE;
  readonly retry = 'retryable' as const;
  override readonly name = 'UnavailableError';
}

export class ResourceExhaustedError extends GrpcError {
  readonly code = status.RESOURCE_EXHAUSTED;
  readonly retry = 'retryable' as const;
  override readonly name = 'ResourceExhaustedError';
}

/** The status a client is sent for an error. */
export function toServiceError(error: unknown): Partial<ServiceError> {
  if (error instanceof GrpcError) return { code: error.code, details: error.message, metadata: new Metadata() };
  return { code: status.INTERNAL, details: 'internal error', metadata: new Metadata() };
}
