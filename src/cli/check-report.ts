/**
 * What `sinew check` and `sinew viz check` share once their categories are planned: the cluster
 * connection from `--kubeconfig`/`--context`, and running the categories until they pass or
 * `--wait` runs out, printed as a table (a spinner and colours on a terminal), `short` or JSON.
 * Resolves with the exit code: 0 when every check passed (warnings allowed), else 1.
 */
import type { Category } from '../check/checker.js';
import { type CheckPrinter, jsonPrinter, type OutputFormat, tablePrinter } from '../check/check-output.js';
import { type ClusterReader, clusterReader } from '../check/cluster-reader.js';
import { runChecks } from '../check/runner.js';
import { terminalSpinner } from '../check/spinner.js';
import { kubeApiClient } from '../informers/api-client.js';
import { loadKubeConfig } from '../informers/kube-config.js';
import { processIo, type CommandIo } from './command-io.js';

/** What tests replace: the terminal and the pace of retries. */
export interface CheckReportRuntime {
  /** Whether standard output is a terminal (spinner and colours); default: it is `process.stdout.isTTY` when `io` is the process's. */
  readonly tty?: boolean;
  /** Pause between retries of a failing check (default 5 s, as Linkerd). */
  readonly retryIntervalMs?: number;
  readonly checkTimeoutMs?: number;
}

export function clusterFromKubeconfig(options: { readonly kubeconfig: string | undefined; readonly context: string | undefined }): ClusterReader {
  return clusterReader(kubeApiClient(loadKubeConfig({ kubeconfig: options.kubeconfig, context: options.context })));
}

export async function reportChecks(categories: readonly Category[], format: OutputFormat, waitMs: number, io: CommandIo, runtime: CheckReportRuntime): Promise<number> {
  const tty = runtime.tty ?? (io === processIo && process.stdout.isTTY === true);
  const write = (text: string): void => io.out(text);
  const printer: CheckPrinter = format === 'json'
    ? jsonPrinter(write)
    : tablePrinter(write, { short: format === 'short', color: tty, spinner: tty ? terminalSpinner(write) : undefined });
  const summary = await runChecks(categories, {
    deadline: Date.now() + waitMs,
    retryIntervalMs: runtime.retryIntervalMs ?? 5000,
    checkTimeoutMs: runtime.checkTimeoutMs ?? 30_000,
    observe: (result) => printer.observe(result),
  });
  printer.finish(summary);
  return summary.success ? 0 : 1;
}
