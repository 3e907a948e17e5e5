/**
 * Kubernetes `Status` bodies and the one error class the fake API server throws.
 *
 * Contract: every failure the fake answers, whether to an HTTP request or to a test calling the
 * programmatic API, is a `FakeApiError` carrying the exact `Status` object the server would send
 * (`kind: "Status"`, `status: "Failure"`, a `reason` and the HTTP `code`). Nothing else is thrown on
 * purpose; anything else reaching the HTTP layer is answered as a 500 InternalError.
 */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'Gone'
  | 'MethodNotAllowed'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'TooManyRequests'
  | 'InternalError';

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly retryAfterSeconds?: number;
}

export interface KubeStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Readonly<Record<string, never>>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: StatusReason;
  readonly code: number;
  readonly details?: StatusDetails;
}

export function statusBody(code: number, reason: StatusReason, message: string, details?: StatusDetails): KubeStatus {
  const base = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code } as const;
  return details === undefined ? base : { ...base, details };
}

/** A failure with the Status the API server answers for it. */
export class FakeApiError extends Error {
  constructor(readonly status: KubeStatus) {
    super(`${status.code} ${status.reason}: ${status.message}`);
    this.name = 'FakeApiError';
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): StatusReason {
    return this.status.reason;
  }
}

function fail(code: number, reason: StatusReason, message: string, details?: StatusDetails): FakeApiError {
  return new FakeApiError(statusBody(code, reason, message, details));
}

/** `<plural>.<group>` or `<plural>`, the way the server names a resource in messages. */
export interface NamedResource {
  readonly plural: string;
  readonly group: string;
}

function qualified(r: NamedResource): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}

export const statusErrors = {
  badRequest: (message: string): FakeApiError => fail(400, 'BadRequest', message),
  unauthorized: (): FakeApiError => fail(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (r: NamedResource, verb: string): FakeApiError =>
    fail(403, 'Forbidden', `${qualified(r)} is forbidden: User "system:anonymous" cannot ${verb} resource "${r.plural}" in API group "${r.group}"`,
      { group: r.group, kind: r.plural }),
  notFound: (r: NamedResource, name: string): FakeApiError =>
    fail(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.plural }),
  noRoute: (): FakeApiError => fail(404, 'NotFound', 'the server could not find the requested resource'),
  unknownResource: (id: string): FakeApiError => fail(404, 'NotFound', `the server could not find the requested resource (${id})`),
  alreadyExists: (r: NamedResource, name: string): FakeApiError =>
    fail(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.plural }),
  conflict: (r: NamedResource, name: string): FakeApiError =>
    fail(409, 'Conflict',
      `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: r.group, kind: r.plural }),
  expired: (message: string): FakeApiError => fail(410, 'Expired', message),
  methodNotAllowed: (method: string): FakeApiError =>
    fail(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method}`),
  tooLarge: (): FakeApiError => fail(413, 'RequestEntityTooLarge', 'the request entity is too large (limit 3145728 bytes)'),
  unsupportedMediaType: (type: string): FakeApiError =>
    fail(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${type}`),
  invalid: (kind: string, name: string, message: string): FakeApiError =>
    fail(422, 'Invalid', `${kind} "${name}" is invalid: ${message}`, { name, kind }),
  tooManyRequests: (): FakeApiError =>
    fail(429, 'TooManyRequests', 'the server has received too many requests and has asked us to try again later', { retryAfterSeconds: 1 }),
  internal: (message: string): FakeApiError => fail(500, 'InternalError', `Internal error occurred: ${message}`),
} as const;

/** The "too old resource version" Status a watch or list gets for a compacted resourceVersion. */
export function tooOldResourceVersion(requested: string, oldest: number): FakeApiError {
  return statusErrors.expired(`too old resource version: ${requested} (${oldest})`);
}
