/**
 * `sinew viz tap RESOURCE`: the live requests of a resource's meshed pods, from the tap server,
 * printed as Linkerd's CLI prints them: one `req`/`rsp`/`end` line per event, `-o wide` with the
 * peers' resources, `-o json` one indented JSON object per event. Runs until interrupted, the
 * `--limit` is reached, or the tap server ends the tap.
 */
import { oneOf, parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { UsageError } from './usage-error.js';
import { tapInvocation, TapArgError, tapOptions, tapOptionsHelp } from '../viz/tap/tap-args.js';
import { TapClientError, watchTap } from '../viz/tap/tap-client.js';
import { formatTapLine } from '../viz/tap/tap-event.js';

export const tapHelp = `Usage: sinew viz tap [flags] (TYPE NAME | TYPE/NAME)

Listens to the requests a resource's meshed pods serve and send, live. TYPE is one of
cronjob (cj), daemonset (ds), deployment (deploy), job, namespace (ns), pod (po),
replicaset (rs), replicationcontroller (rc), service (svc) or statefulset (sts).

Examples:
  sinew viz tap deploy/web -n shop
  sinew viz tap deploy/web -n shop --path /books --method GET
  sinew viz tap ns/shop --to deploy/api -o wide

Flags:
${tapOptionsHelp}
  -o, --output FORMAT           wide or json (default: Linkerd's lines)
  -h, --help                    show this help
`;

/** Stops the tap on SIGINT; the handler is removed when the tap ends. */
function interruptible(): { signal: AbortSignal; release(): void } {
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  return { signal: abort.signal, release: () => process.off('SIGINT', stop) };
}

export async function tapCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, { ...tapOptions, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } });
  if (values.help === true) {
    io.out(tapHelp);
    return 0;
  }
  const output = oneOf('--output', values.output, ['line', 'wide', 'json'] as const, 'line');
  let invocation;
  try {
    invocation = tapInvocation(values, positionals);
  } catch (error) {
    if (error instanceof TapArgError) throw new UsageError(error.message);
    throw error;
  }
  const { target, body, client } = invocation;
  const run = interruptible();
  try {
    for await (const event of watchTap(client, target, { ...body, ...(output === 'json' ? { extract: true } : {}) }, run.signal)) {
      if (output === 'json') io.out(`${JSON.stringify(event, null, 2)}\n`);
      else io.out(`${formatTapLine(event, output === 'wide' ? target.type : undefined)}\n`);
    }
  } catch (error) {
    if (!(error instanceof TapClientError)) throw error;
    io.err(`Error: ${error.message}\n`);
    return 1;
  } finally {
    run.release();
  }
  return 0;
}
