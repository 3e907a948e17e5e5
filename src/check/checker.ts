/**
 * What `sinew check` is made of: categories of checks, each check a description, a hint and a
 * function that throws when the check fails; and the result the runner reports for each run of one.
 *
 * Contract: a check's function resolves when the check passes and throws an Error (its message is
 * what the user reads) when it fails; `SkipCheck` means "does not apply here" and is reported as
 * nothing. Every check is idempotent: the runner may call it again while `--wait` lasts.
 */

/** Linkerd's category ids (`linkerd-viz*` for `sinew viz check`), plus `linkerd-crds` for `sinew check --crds`. */
export type CategoryId =
  | 'kubernetes-api'
  | 'kubernetes-version'
  | 'pre-kubernetes-setup'
  | 'linkerd-crds'
  | 'linkerd-config'
  | 'linkerd-existence'
  | 'linkerd-identity'
  | 'linkerd-webhooks-and-apisvc-tls'
  | 'control-plane-version'
  | 'linkerd-data-plane'
  | 'linkerd-identity-data-plane'
  | 'linkerd-viz'
  | 'linkerd-viz-data-plane';

/** Where each check's hint lives: Linkerd's troubleshooting page, one anchor per check. */
export const hintBaseUrl = 'https://linkerd.io/2/checks/#';

export interface Checker {
  readonly description: string;
  /** Appended to `hintBaseUrl`. */
  readonly hintAnchor: string;
  /** A failure stops the run: nothing after it can succeed. */
  readonly fatal?: boolean;
  /** A failure is reported (‼) but does not fail the run. */
  readonly warning?: boolean;
  /** While `--wait` lasts, a failure is retried rather than reported as final. */
  readonly retry?: boolean;
  /** Show the error (not "waiting for check to complete") while retrying: it says how far along things are. */
  readonly surfaceErrorOnRetry?: boolean;
  readonly run: (signal: AbortSignal) => Promise<void>;
}

export interface Category {
  readonly id: CategoryId;
  readonly checkers: readonly Checker[];
}

/** One run of one check, as the runner reports it. */
export interface CheckResult {
  readonly category: CategoryId;
  readonly description: string;
  readonly hintUrl: string;
  readonly warning: boolean;
  /** True when the check failed and will be run again: not a final result. */
  readonly retry: boolean;
  /** Why it failed; undefined when it passed. */
  readonly error: string | undefined;
}

/** Thrown by a check that does not apply (for example, a data-plane check with no namespace given). */
export class SkipCheck extends Error {
  override readonly name = 'SkipCheck';
}

/** A check's failure, with the message the user reads. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}
