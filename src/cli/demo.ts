/**
 * `sinew demo`: the whole mesh on this machine, no cluster and no root (src/demo/demo-run.ts).
 * Parses the flags, turns SIGINT and SIGTERM into an orderly stop (a second one kills every child
 * at once), picks the live or the plain view, prints the summary, and exits 0 when the load
 * generator's counts agree with the proxies' metrics, 1 when they do not or the demo failed.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DemoScheduleError, readSchedule } from '../demo/demo-schedule.js';
import { runDemo } from '../demo/demo-run.js';
import { Screen } from '../demo/demo-screen.js';
import { formatSummary } from '../demo/demo-summary.js';
import { EventLogError } from '../informers/event-log.js';
import { parse } from './args.js';
import type { CommandIo } from './command-io.js';
import { duration } from './duration.js';
import { UsageError } from './usage-error.js';

export const demoHelp = `Usage: sinew demo [flags]

Runs a small meshed application on this machine, with no cluster and no root: the control
plane replays a recorded event log (namespace demo: web → api → db, nginx, a load generator
and an intruder), and every pod is a sinew proxy and a small application on its own loopback
address (127.0.x.y). A live table shows what 'sinew viz stat' would (success rate, RPS,
latencies per deployment), the mutual-TLS identities of each edge, the intruder's calls to db
refused by an AuthorizationPolicy, and api's rollout replayed from the log without a failed
request; the dashboard serves the same numbers, with a live tap. At the end it prints what the
load generator sent and what the proxies counted, which must agree (exit code 1 if they do not).

Identity works as on a cluster: the demo makes its own trust anchor and issuer, mints a token
per service account, and the identity service checks them with TokenReview against a small
local server that stands in for the Kubernetes API for this purpose only. Every process stops
when the demo ends (Ctrl-C, SIGTERM or --duration; a second Ctrl-C kills them at once).
It needs loopback addresses besides 127.0.0.1 (Linux routes all of 127.0.0.0/8 to loopback).

Flags:
      --duration DURATION   stop after this long, e.g. 90s (default: run until Ctrl-C)
      --port PORT           the dashboard's port on 127.0.0.1 (default 50750; 0 picks a free one)
      --rate N              requests a second from the load generator to web (default 20;
                            nginx gets a quarter of it)
      --events FILE         another event log of the same application (default: the bundled
                            examples/demo.events.jsonl)
      --summary-file FILE   also write the summary as JSON to FILE
      --log-dir DIR         write each process's output (control plane, proxies, applications)
                            to a file in DIR
  -h, --help                show this help
`;

const root = new URL('../../../', import.meta.url);
const bundledLog = fileURLToPath(new URL('examples/demo.events.jsonl', root));
const sinewBin = fileURLToPath(new URL('bin/sinew.js', root));
const appScript = fileURLToPath(new URL('../demo/demo-app.js', import.meta.url));

function portOf(value: string | undefined): number {
  if (value === undefined) return 50750;
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535) throw new UsageError(`--port must be a port number from 0 to 65535; got ${JSON.stringify(value)}`);
  return port;
}

function rateOf(value: string | undefined): number {
  if (value === undefined) return 20;
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate <= 0 || rate > 1000) throw new UsageError(`--rate must be a number of requests a second above 0 and at most 1000; got ${JSON.stringify(value)}`);
  return rate;
}

/** SIGINT and SIGTERM: the first aborts, a second exits at once (the exit handler kills the children). */
function stopOnSignals(io: CommandIo): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      io.err(`\n${name} again: killing every process of the demo now\n`);
      process.exit(130);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

export async function demoCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    duration: { type: 'string' }, port: { type: 'string' }, rate: { type: 'string' }, events: { type: 'string' },
    'summary-file': { type: 'string' }, 'log-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.out(demoHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`sinew demo takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const durationMs = values.duration === undefined ? undefined : duration('--duration', values.duration, 0, 1_000);
  const port = portOf(values.port);
  const rate = rateOf(values.rate);
  const eventLog = values.events ?? bundledLog;
  const logDir = values['log-dir'];
  if (logDir !== undefined) fs.mkdirSync(logDir, { recursive: true });
  let schedule;
  try {
    schedule = await readSchedule(eventLog);
  } catch (error) {
    if (error instanceof DemoScheduleError || error instanceof EventLogError) throw new UsageError(`--events: ${error.message}`);
    throw error;
  }
  const tty = process.stdout.isTTY === true;
  const screen = new Screen({ write: (text) => io.out(text), tty, columns: () => process.stdout.columns });
  const stop = stopOnSignals(io);
  stop.signal.addEventListener('abort', () => screen.note('Stopping: the load generator finishes, then every process of the demo stops…'), { once: true });
  let summary;
  try {
    summary = await runDemo({
      eventLog, schedule, durationMs, dashboard: { address: '127.0.0.1', port }, rate, replaySpeed: 1, screen, stop: stop.signal, sinewBin, appScript, logDir,
      onDashboard: (url) => screen.note(`Dashboard: ${url} (open it in a browser)`),
    });
  } finally {
    screen.finish();
    stop.release();
  }
  if (summary === undefined) {
    io.out('Stopped before the mesh was up; every process of the demo has been stopped.\n');
    return 0;
  }
  io.out(`\n${formatSummary(summary)}`);
  if (values['summary-file'] !== undefined) fs.writeFileSync(values['summary-file'], JSON.stringify(summary, null, 2) + '\n');
  return summary.agree ? 0 : 1;
}
