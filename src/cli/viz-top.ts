/**
 * `sinew viz top RESOURCE`: live traffic of a resource's meshed pods, from the tap server, folded
 * into Linkerd's top table (viz/tap/top-table.ts). On a terminal the table is redrawn every second
 * until interrupted; with `--duration` (or when stdout is not a terminal) the table is printed once,
 * when the duration is over, the tap ends, or the command is interrupted.
 */
import { parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { duration } from './duration.js';
import { UsageError } from './usage-error.js';
import { tapInvocation, TapArgError, tapOptions, tapOptionsHelp } from '../viz/tap/tap-args.js';
import { TapClientError, watchTap } from '../viz/tap/tap-client.js';
import { createTopTable } from '../viz/tap/top-table.js';

export const topHelp = `Usage: sinew viz top [flags] (TYPE NAME | TYPE/NAME)

Shows the requests a resource's meshed pods serve and send, aggregated by source, destination,
method and path: count, best, worst and last latency, and success rate, busiest first.

Examples:
  sinew viz top deploy/web -n shop
  sinew viz top deploy/web -n shop --duration 30s > top.txt

Flags:
${tapOptionsHelp}
      --hide-sources            leave out the Source column (rows merge across sources)
      --duration DURATION       print the table once after DURATION (e.g. 10s) instead of redrawing it
  -h, --help                    show this help
`;

const clearScreen = '\x1b[H\x1b[2J';

export async function topCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...tapOptions, 'hide-sources': { type: 'boolean' }, duration: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(topHelp);
    return 0;
  }
  const durationMs = values.duration === undefined ? undefined : duration('--duration', values.duration, 0, 1);
  let invocation;
  try {
    invocation = tapInvocation(values, positionals);
  } catch (error) {
    if (error instanceof TapArgError) throw new UsageError(error.message);
    throw error;
  }
  const table = createTopTable({ hideSources: values['hide-sources'] === true });
  const live = durationMs === undefined && process.stdout.isTTY === true;
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  const timer = durationMs === undefined ? undefined : setTimeout(stop, durationMs);
  const redraw = live ? setInterval(() => io.out(`${clearScreen}(press Ctrl-C to quit)\n\n${table.render()}`), 1000) : undefined;
  try {
    for await (const event of watchTap(invocation.client, invocation.target, invocation.body, abort.signal)) table.add(event);
  } catch (error) {
    if (!(error instanceof TapClientError)) throw error;
    io.err(`Error: ${error.message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    clearTimeout(timer);
    clearInterval(redraw);
  }
  io.out(`${live ? clearScreen : ''}${table.render()}`);
  return 0;
}
