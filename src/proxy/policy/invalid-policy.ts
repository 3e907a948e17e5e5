/**
 * The one error the policy decision functions raise: a message from the policy controller that the
 * proxy cannot use (a missing field Linkerd's proxy requires, a regular expression that does not
 * compile, a ratio with a zero denominator). The message names the field, e.g.
 * `Server.authorizations[1].networks: empty`.
 */
export class InvalidPolicyError extends Error {
  override readonly name = 'InvalidPolicyError';
}

/** A cache of per-message compilations: each message object is compiled once, its error too. */
export type CompileResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: InvalidPolicyError };

/**
 * `compile(message)` memoized on the message object's identity. Messages are immutable once
 * received, so a new message (a new object) is compiled afresh and the old entry is collected
 * with it. Errors other than InvalidPolicyError are programming errors and are rethrown.
 */
export function memoizeCompile<M extends object, T>(compile: (message: M) => T): (message: M) => CompileResult<T> {
  const cache = new WeakMap<M, CompileResult<T>>();
  return (message) => {
    const cached = cache.get(message);
    if (cached !== undefined) return cached;
    let result: CompileResult<T>;
    try {
      result = { ok: true, value: compile(message) };
    } catch (error) {
      if (!(error instanceof InvalidPolicyError)) throw error;
      result = { ok: false, error };
    }
    cache.set(message, result);
    return result;
  };
}

/** The value, or the compilation's InvalidPolicyError thrown. */
export function unwrap<T>(result: CompileResult<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}
