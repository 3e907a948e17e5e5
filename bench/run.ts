/**
 * `npm run bench`: runs every benchmark (or those whose name contains the first argument:
 * `node dist/bench/run.js ingest`), prints a results table, then the Markdown to paste into
 * BENCHMARKS.md. It measures nothing itself; each benchmark file says what it measures and how.
 *
 * `--profile DIR` also writes a CPU profile (`node --cpu-prof`) of one extra ingest run to DIR,
 * after the measured runs, so the profiler never slows the numbers that are reported.
 */
import { runPropagation } from './destination-propagation.js';
import { runDestinationRss } from './destination-rss.js';
import { runIngest } from './engine-ingest.js';
import { runRss } from './engine-rss.js';
import { runWarmRestart } from './engine-warm-restart.js';
import { runIdentityCertify } from './identity-certify.js';
import { runInboundPolicy } from './inbound-policy.js';
import { runProxyLatency } from './proxy-latency.js';
import { type BenchResult, markdownDetails, markdownRows, textTable } from './bench-result.js';
import { describeMachine, machineLine } from './machine.js';

interface Benchmark {
  readonly name: string;
  run(): Promise<BenchResult | readonly BenchResult[]>;
}

function benchmarks(profileDir: string | undefined): readonly Benchmark[] {
  return [
    { name: 'ingest', run: () => runIngest({ profileDir }) },
    { name: 'rss', run: runRss },
    { name: 'warm-restart', run: runWarmRestart },
    { name: 'propagation-1k', run: () => runPropagation({ streams: 1000, profileDir }) },
    { name: 'propagation-10k', run: () => runPropagation({ streams: 10_000, profileDir }) },
    { name: 'destination-rss', run: runDestinationRss },
    { name: 'identity-certify', run: runIdentityCertify },
    { name: 'inbound-policy', run: runInboundPolicy },
    { name: 'proxy-latency', run: runProxyLatency },
  ];
}

function parseArgs(argv: readonly string[]): { filter: string | undefined; profileDir: string | undefined } {
  let filter: string | undefined;
  let profileDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--profile') profileDir = argv[++i];
    else if (arg !== undefined && !arg.startsWith('-')) filter = arg;
    else throw new Error(`unknown argument ${JSON.stringify(arg)}; usage: run.js [NAME-FILTER] [--profile DIR]`);
  }
  if (argv.includes('--profile') && profileDir === undefined) throw new Error('--profile needs a directory');
  return { filter, profileDir };
}

async function main(): Promise<void> {
  const { filter, profileDir } = parseArgs(process.argv.slice(2));
  const selected = benchmarks(profileDir).filter((bench) => filter === undefined || bench.name.includes(filter));
  if (selected.length === 0) throw new Error(`no benchmark matches ${JSON.stringify(filter)}; there are: ${benchmarks(undefined).map((b) => b.name).join(', ')}`);
  const machine = describeMachine();
  const started = new Date();
  process.stdout.write(`Machine: ${machineLine(machine)}\n`);
  const results: BenchResult[] = [];
  for (const bench of selected) {
    const start = performance.now();
    process.stdout.write(`running ${bench.name}…\n`);
    results.push(...[await bench.run()].flat());
    process.stdout.write(`  done in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  }
  process.stdout.write(`\n${textTable(results)}\n\n`);
  process.stdout.write(`---- Markdown for BENCHMARKS.md (run ${started.toISOString()}) ----\n\n`);
  process.stdout.write(`Machine: ${machineLine(machine)}\n\n${markdownRows(results)}\n\n`);
  for (const result of results) process.stdout.write(`${markdownDetails(result)}\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
