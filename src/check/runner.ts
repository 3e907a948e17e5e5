/**
 * The check runner: runs categories of checks in order and reports every run of every check.
 *
 * Contract:
 * - Checks run one at a time, in the order given; each result reaches `observe` before the next
 *   check starts. A skipped check reports nothing.
 * - A failing check marked `retry` is run again every `retryIntervalMs` while the deadline has not
 *   passed; each failed attempt is reported with `retry: true` (a progress note, not a result).
 *   The last report of a check always has `retry: false`: that is its result.
 * - A failure of a `fatal` check ends the run; a failure of a `warning` check sets `warning` and
 *   leaves `success` alone; any other failure clears `success`.
 * - Each attempt gets `checkTimeoutMs`: its signal aborts then, and an attempt that ignores the
 *   signal fails anyway, so a run always ends.
 */
import { type Category, type Checker, type CheckResult, hintBaseUrl, SkipCheck } from './checker.js';

export interface RunOptions {
  /** Epoch milliseconds after which failing checks are no longer retried. */
  readonly deadline: number;
  readonly retryIntervalMs: number;
  readonly checkTimeoutMs: number;
  readonly observe: (result: CheckResult) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RunSummary {
  /** No check that is not a warning failed. */
  readonly success: boolean;
  /** At least one warning check failed. */
  readonly warning: boolean;
}

const waitingMessage = 'waiting for check to complete';

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChecks(categories: readonly Category[], options: RunOptions): Promise<RunSummary> {
  let success = true;
  let warning = false;
  for (const category of categories) {
    for (const checker of category.checkers) {
      const result = await runChecker(category, checker, options);
      if (result === undefined || result.error === undefined) continue;
      if (checker.warning === true) warning = true;
      else success = false;
      if (checker.fatal === true) return { success, warning };
    }
  }
  return { success, warning };
}

/** Runs one check to its result (undefined if it was skipped), reporting retries on the way. */
async function runChecker(category: Category, checker: Checker, options: RunOptions): Promise<CheckResult | undefined> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  for (;;) {
    const outcome = await attempt(checker, options.checkTimeoutMs);
    if (outcome.skipped) return undefined;
    const base = {
      category: category.id, description: checker.description, hintUrl: `${hintBaseUrl}${checker.hintAnchor}`,
      warning: checker.warning === true,
    };
    if (outcome.error !== undefined && checker.retry === true && now() < options.deadline) {
      options.observe({ ...base, retry: true, error: checker.surfaceErrorOnRetry === true ? outcome.error : waitingMessage });
      await sleep(Math.max(0, Math.min(options.retryIntervalMs, options.deadline - now())));
      continue;
    }
    const result: CheckResult = { ...base, retry: false, error: outcome.error };
    options.observe(result);
    return result;
  }
}

type Outcome = { readonly skipped: true } | { readonly skipped: false; readonly error: string | undefined };

async function attempt(checker: Checker, timeoutMs: number): Promise<Outcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`the check did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    await Promise.race([checker.run(controller.signal), timeout]);
    return { skipped: false, error: undefined };
  } catch (error) {
    if (error instanceof SkipCheck) return { skipped: true };
    return { skipped: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
