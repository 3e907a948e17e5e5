/**
 * `sinew check`: Linkerd's health checks for a cluster running Sinew. The composition root of a
 * check run: parses the flags, picks the categories (src/check/check-plan.ts), runs them
 * (src/check/runner.ts) and prints the results (src/check/check-output.ts). Exit code 0 when every
 * check that is not a warning passed, 1 otherwise, 2 for a command line that cannot be run.
 */
import type { CheckOptions } from '../check/check-facts.js';
import { type CheckMode, checkPlan } from '../check/check-plan.js';
import type { OutputFormat } from '../check/check-output.js';
import type { ClusterReader } from '../check/cluster-reader.js';
import { type ExpectedCrd, readExpectedCrds } from '../check/expected-crds.js';
import { oneOf, parse } from './args.js';
import { namespaceFlag } from './namespace-flag.js';
import { clusterFromKubeconfig, type CheckReportRuntime, reportChecks } from './check-report.js';
import type { CommandIo } from './command-io.js';
import { duration } from './duration.js';
import { UsageError } from './usage-error.js';
import { sinewVersion } from './sinew-version.js';

export const checkHelp = `Usage: sinew check [flags]

Checks that the Sinew control plane (or, with --pre, the cluster it is to be installed in) is
healthy, printing each check as √ (passed), ‼ (warning) or × (failed, with a hint). Exits 1 when a
check that is not a warning fails.

Flags:
      --pre                      only the pre-installation checks: can the control plane be installed
      --crds                     only check that the CRDs are installed, at this CLI's versions
      --proxy                    also check the data plane proxies (instead of the control-plane version)
  -n, --namespace NS             the namespace of the data plane to check with --proxy (default: all namespaces;
                                 ignored without --proxy, as Linkerd ignores it)
  -L, --linkerd-namespace NS     the control-plane namespace (default linkerd)
      --kubeconfig FILE          the kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)
      --context NAME             the kubeconfig context to use (default: its current context)
  -o, --output FORMAT            table, json or short (default table)
      --wait DURATION            how long to retry checks that wait for the cluster, e.g. 30s (default 5m)
  -h, --help                     show this help

Examples:
  sinew check --pre
  sinew check --proxy --namespace shop
  sinew check -o json
`;

/** What tests replace: the terminal, the clock, the pace of retries and the cluster connection. */
export interface CheckRuntime extends CheckReportRuntime {
  readonly now?: () => Date;
  readonly connect?: (options: CheckOptions) => ClusterReader;
  readonly expectedCrds?: () => readonly ExpectedCrd[];
}

const flags = {
  pre: { type: 'boolean' },
  crds: { type: 'boolean' },
  proxy: { type: 'boolean' },
  namespace: { type: 'string', short: 'n' },
  'linkerd-namespace': { type: 'string', short: 'L' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  output: { type: 'string', short: 'o' },
  wait: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const defaultWaitMs = 5 * 60_000;

function modeOf(values: { pre?: boolean | undefined; crds?: boolean | undefined; proxy?: boolean | undefined }): CheckMode {
  const chosen = (['pre', 'crds', 'proxy'] as const).filter((flag) => values[flag] === true);
  if (chosen.length > 1) throw new UsageError(`${chosen.map((flag) => `--${flag}`).join(' and ')} cannot be used together`);
  return chosen[0] === undefined ? 'control-plane' : chosen[0];
}

export async function checkCommand(argv: readonly string[], io: CommandIo, runtime: CheckRuntime = {}): Promise<number> {
  const { values, positionals } = parse(argv, flags);
  if (values.help === true) {
    io.out(checkHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const mode = modeOf(values);
  const format: OutputFormat = oneOf('--output', values.output, ['table', 'json', 'short'], 'table');
  const waitMs = duration('--wait', values.wait, defaultWaitMs);
  const options: CheckOptions = {
    kubeconfig: values.kubeconfig, context: values.context,
    controlPlaneNamespace: namespaceFlag('--linkerd-namespace', values['linkerd-namespace']) ?? 'linkerd',
    dataPlaneNamespace: namespaceFlag('--namespace', values.namespace),
    cliVersion: `v${sinewVersion()}`,
    now: runtime.now ?? (() => new Date()),
  };
  const connect = runtime.connect ?? clusterFromKubeconfig;
  const categories = checkPlan({ mode, options, connect: () => connect(options), expectedCrds: runtime.expectedCrds ?? readExpectedCrds });
  return reportChecks(categories, format, waitMs, io, runtime);
}
