/**
 * Warm restart: from process start to serving the last state out of an existing store.
 *
 * How: a first child populates a temp store dir with the settled benchmark cluster (10,000 pods,
 * 1,000 Services, 1,000 EndpointSlices, 2,000 endpoints views) through the production path and
 * closes it. Then each run is a fresh child that dynamically imports the engine, calls
 * `createEngine` on that dir (the store verifies the file in its own child process, loads and
 * parses every entry, indexes it, and `reconcileAll` runs), and subscribes to one endpoints view
 * on the hub; the clock stops when the subscription's first snapshot is written. Times are
 * `performance.now()`, i.e. milliseconds since the process started.
 *
 * Two kinds of restart are measured, alternating: after a clean close (the store trusts a file
 * untouched since it closed it, so no verifier runs: the headline number), and after a crash (the
 * clean-close note is deleted first, as a crash leaves none, so the verifier walks the file).
 *
 * The breakdown comes from the real run, not a re-enactment: verification is the life of the
 * verifier child (spawn seen on the `child_process` diagnostics channel, to its exit); the
 * reconcileAll phase starts at the first reconcile (the reconcile-duration timer of the engine's
 * metrics) and ends when `createEngine` returns; load (LMDB open and read, zod parse, index) is
 * what lies between. Reference, in the same child: node's start plus importing the modules, with
 * no store. The page cache is warm (the store was just written), as on a process restart.
 *
 * This file keeps its static imports light (node built-ins and small bench helpers) so the child's
 * module loading is what the reference measures.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult } from './bench-result.js';
import { isEntryPoint, numberOf, report, runChild, type ChildReport } from './child-process.js';
import { formatList, formatNumber, median } from './stats.js';

const runs = 5;
const goalMs = 1000;
const watchedView = 'endpoints/team-0/svc-0:80';

export async function runWarmRestart(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-bench-restart-'));
  try {
    const populated = await runChild(import.meta.url, ['--populate', dir]);
    const reports: ChildReport[] = [];
    const crashed: ChildReport[] = [];
    for (let run = 0; run < runs; run++) {
      reports.push(await runChild(import.meta.url, ['--restart', dir]));
      fs.rmSync(path.join(dir, 'clean-close.json'), { force: true });
      crashed.push(await runChild(import.meta.url, ['--restart', dir]));
    }
    return summarize(populated, reports, crashed);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function summarize(populated: ChildReport, reports: readonly ChildReport[], crashed: readonly ChildReport[]): BenchResult {
  const field = (key: string): number[] => reports.map((values) => numberOf(values, key));
  const between = (from: string, to: string): number[] => reports.map((values) => numberOf(values, to) - numberOf(values, from));
  const crashedServed = crashed.map((values) => numberOf(values, 'served'));
  const crashedBetween = (from: string, to: string): number[] => crashed.map((values) => numberOf(values, to) - numberOf(values, from));
  const served = field('served');
  const phase = (label: string, values: readonly number[]): string =>
    `${label}: median ${formatNumber(median(values))} ms (runs ${formatList(values)})`;
  const fromEngine = between('engineStart', 'served');
  return {
    name: 'warm-restart', title: 'Warm restart to serving the last state',
    command: 'npm run bench -- warm-restart  (node dist/bench/run.js warm-restart)',
    result: { label: 'process start → first snapshot of an endpoints subscription', unit: 'ms', runs: served, digits: 0 },
    reference: { label: 'process start → engine modules imported (no store)', unit: 'ms', runs: field('imported'), digits: 0 },
    ratioLabel: 'restart / node start + imports',
    goal: { text: `≤ ${formatNumber(goalMs)} ms`, met: median(served) <= goalMs },
    details: [
      `Store: ${formatNumber(numberOf(populated, 'storeSize'))} objects and ${formatNumber(numberOf(populated, 'views'))} views, `
        + `data.mdb ${formatNumber(numberOf(populated, 'storeFileBytes') / 2 ** 20, 1)} MB; subscription to \`${watchedView}\` `
        + `(its first snapshot held ${formatNumber(numberOf(reports[0] ?? {}, 'snapshotItems'))} items)`,
      `${phase('From just before `createEngine` to the first snapshot', fromEngine)}; goal ≤ ${formatNumber(goalMs)} ms from there: ${median(fromEngine) <= goalMs ? 'met' : 'not met'}`,
      `Breakdown after a clean close (medians of the same runs; no verifier runs):`,
      `  ${phase('node start + imports (the reference)', field('imported'))}`,
      `  ${phase('load (LMDB open and read, zod parse of every entry, index)', between('engineStart', 'firstReconcile'))}`,
      `  ${phase('reconcileAll (2,000 endpoints views, unchanged)', between('firstReconcile', 'engineReady'))}`,
      `  ${phase('subscribe → first snapshot written', between('engineReady', 'served'))}`,
      `${phase('After a crash (no clean-close note, so the verifier walks the file): process start → first snapshot', crashedServed)}`,
      `  ${phase('verification (child process: node start, imports, walk and zod-parse every entry)', crashedBetween('verifyStart', 'verifyEnd'))}`,
      `  ${phase('load', crashedBetween('verifyEnd', 'firstReconcile'))}`,
      `Each run is a fresh \`node\` child, unpinned; the verifier is its own process`,
    ],
  };
}

/** Fills `dir` with the settled cluster through the production path, and closes it. */
async function populate(dir: string): Promise<void> {
  const [{ createEngine }, { allKinds }, { allReconcilers }, { silentLogger }, { benchCluster }, { feedEngine }, { chunked, clusterWatchStreams }] = await Promise.all([
    import('../src/streams/engine.js'), import('../src/informers/kinds/index.js'), import('../src/reconcilers/index.js'),
    import('../src/observe/logger.js'), import('./cluster-objects.js'), import('./watch-feed.js'), import('./watch-bytes.js'),
  ]);
  const engine = await createEngine({ storeDir: dir, kinds: allKinds, reconcilers: allReconcilers, log: silentLogger });
  const streams = clusterWatchStreams(benchCluster, 'steady');
  const feed = feedEngine({
    engine,
    scripts: new Map(streams.map((stream) => [stream.path, () => chunked(stream.lines())])),
    expectedChanges: streams.reduce((sum, stream) => sum + stream.events, 0),
  });
  await feed.fed;
  feed.stop();
  const storeSize = engine.store.size();
  const views = engine.store.viewKeys().length;
  await engine.close();
  report({ storeSize, views, storeFileBytes: fs.statSync(path.join(dir, 'data.mdb')).size });
}

/** One restart: every time is milliseconds since this process started. */
async function restart(dir: string): Promise<void> {
  const [{ createEngine }, { allKinds }, { allReconcilers }, { silentLogger }, { createEngineMetrics }] = await Promise.all([
    import('../src/streams/engine.js'), import('../src/informers/kinds/index.js'), import('../src/reconcilers/index.js'),
    import('../src/observe/logger.js'), import('../src/observe/metrics.js'),
  ]);
  const imported = performance.now();
  // A restart after a clean close spawns no verifier: its marks stay at -1.
  const marks = { verifyStart: -1, verifyEnd: -1, firstReconcile: Number.NaN };
  const onSpawn = (message: unknown): void => {
    if (marks.verifyStart !== -1) return;
    marks.verifyStart = performance.now();
    const child = (message as { process?: ChildProcess }).process;
    child?.once('exit', () => { marks.verifyEnd = performance.now(); });
  };
  diagnostics.subscribe('child_process', onSpawn);
  const metrics = createEngineMetrics();
  const histogram = metrics.reconcileDuration;
  const startTimer = histogram.startTimer.bind(histogram);
  histogram.startTimer = (labels) => {
    if (Number.isNaN(marks.firstReconcile)) marks.firstReconcile = performance.now();
    return startTimer(labels);
  };

  const engineStart = performance.now();
  const engine = await createEngine({ storeDir: dir, kinds: allKinds, reconcilers: allReconcilers, log: silentLogger, metrics });
  const engineReady = performance.now();
  let served = Number.NaN;
  let snapshotItems = -1;
  const subscription = engine.hub.subscribe(watchedView, {
    write(message) {
      if (Number.isNaN(served)) {
        served = performance.now();
        snapshotItems = message.type === 'snapshot' ? message.items.length : -1;
      }
      return true;
    },
    onDrain: () => undefined,
    close: () => undefined,
    onClose: () => undefined,
  }, { kind: 'latest' });
  diagnostics.unsubscribe('child_process', onSpawn);
  subscription.close();
  await engine.close();
  report({ imported, engineStart, ...marks, engineReady, served, snapshotItems, storeSize: engine.store.size() });
}

if (isEntryPoint(import.meta.url)) {
  const [mode, dir] = process.argv.slice(2);
  if (mode === '--populate' && dir !== undefined) await populate(dir);
  else if (mode === '--restart' && dir !== undefined) await restart(dir);
}
