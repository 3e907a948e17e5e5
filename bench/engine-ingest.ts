/**
 * Ingest: watch bytes in, committed store and reconciled views out, in events per second.
 *
 * How: the benchmark cluster's rollout (10,000 pods ADDED Pending then MODIFIED Running = 20,000
 * pod events, plus 1,000 Services and 2,000 EndpointSlice events, kubectl-like JSON with
 * managedFields and env) is generated once as newline-delimited watch bytes. Each run builds a
 * fresh engine on a temp LMDB dir with every kind and reconciler (`createEngine`), then times the
 * production path (`watch-feed.ts`: real reflectors over an in-memory ApiClient, `startPipeline`
 * with 5 ms batching) until every change is applied, committed (`store.flushed()`) and the
 * loop's queue is empty. Wall time and `process.cpuUsage()` (all threads, LMDB's writer included)
 * are taken around that.
 *
 * Reference, measured in the same process between engine runs on the same bytes: splitting the
 * bytes into lines and `JSON.parse` of each, which is the floor any ingest pays. Three further
 * stages locate the rest: parse + zod projection, the reflectors alone (no store), and the whole
 * ingest with the store in memory only (no LMDB).
 *
 * The whole benchmark runs in a child pinned to one CPU with taskset (when present), with
 * --expose-gc so each run starts from a collected heap. One warm-up run is reported apart; the
 * median is over the next five.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import inspector from 'node:inspector/promises';
import { StringDecoder } from 'node:string_decoder';
import { changesOf } from '../src/informers/event.js';
import { informers } from '../src/informers/informers.js';
import type { KindSpec } from '../src/informers/kind.js';
import { allKinds } from '../src/informers/kinds/index.js';
import { project } from '../src/informers/projection.js';
import { silentLogger } from '../src/observe/logger.js';
import { createEngineMetrics } from '../src/observe/metrics.js';
import { allReconcilers } from '../src/reconcilers/index.js';
import { createEngine } from '../src/streams/engine.js';
import type { BenchResult } from './bench-result.js';
import { type ChildReport, isEntryPoint, numberOf, numbersOf, report, runChild, tasksetAvailable } from './child-process.js';
import { benchCluster } from './cluster-objects.js';
import { type Hotspot, summarizeProfile } from './cpu-profile.js';
import { inMemoryApiClient, type WatchScripts } from './in-memory-api-client.js';
import { formatList, formatNumber, median } from './stats.js';
import { fedKinds, feedEngine } from './watch-feed.js';
import { chunked, clusterWatchStreams } from './watch-bytes.js';

const measuredRuns = 5;
const goalEventsPerSecond = 20_000;

interface Timing {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

export async function runIngest(options: { readonly profileDir?: string } = {}): Promise<BenchResult> {
  const cpu = os.availableParallelism() - 1;
  const pinned = tasksetAvailable();
  const values = await runChild(import.meta.url, ['--child', String(measuredRuns)], { nodeFlags: ['--expose-gc'], pinCpu: cpu });
  const events = numberOf(values, 'events');
  const podEvents = numberOf(values, 'podEvents');
  const ingest = numbersOf(values, 'ingestPerSecond');
  const cpuPerEvent = numbersOf(values, 'cpuMicrosPerEvent');
  const details = [
    `Input: ${formatNumber(events)} watch events (${formatNumber(podEvents)} pod, ${formatNumber(numberOf(values, 'serviceEvents'))} Service, `
      + `${formatNumber(numberOf(values, 'sliceEvents'))} EndpointSlice), ${formatNumber(numberOf(values, 'megabytes'), 1)} MB of JSON `
      + `(a pod event averages ${formatNumber(numberOf(values, 'podEventBytes'))} bytes); ${pinned ? `child pinned to CPU ${cpu} with taskset` : 'not pinned (no taskset)'}`,
    `Pod events/s (pod events / the same wall time): median ${formatNumber(median(numbersOf(values, 'podPerSecond')))}`,
    `CPU time per event (process.cpuUsage, all threads): median ${formatNumber(median(cpuPerEvent), 1)} µs; runs: ${formatList(cpuPerEvent, 1)} µs`,
    `Wall time per run: ${formatList(numbersOf(values, 'seconds'), 2)} s`,
    `Warm-up run (not in the median): ${formatNumber(numberOf(values, 'warmupPerSecond'))} events/s`,
    `Stage: JSON.parse + zod projection (\`project()\`): median ${formatNumber(median(numbersOf(values, 'projectPerSecond')))} events/s; runs: ${formatList(numbersOf(values, 'projectPerSecond'))}`,
    `Stage: the reflectors alone (informers() over the in-memory API, no store): median ${formatNumber(median(numbersOf(values, 'reflectPerSecond')))} events/s; runs: ${formatList(numbersOf(values, 'reflectPerSecond'))}`,
    `Stage: the same ingest with the store in memory only (no LMDB): median ${formatNumber(median(numbersOf(values, 'memoryStorePerSecond')))} events/s; runs: ${formatList(numbersOf(values, 'memoryStorePerSecond'))}`,
    costLadder(values),
    `End state each run: ${formatNumber(numberOf(values, 'storeSize'))} objects, ${formatNumber(numberOf(values, 'views'))} endpoints views, ${formatNumber(numberOf(values, 'viewItems'))} ready addresses`,
  ];
  if (options.profileDir !== undefined) details.push(...await profileOneRun(options.profileDir, cpu));
  return {
    name: 'ingest', title: 'Ingest (watch bytes → committed store and views)',
    command: 'npm run bench -- ingest  (node dist/bench/run.js ingest)',
    result: { label: 'Sinew ingest', unit: 'events/s', runs: ingest, digits: 0 },
    reference: { label: 'JSON.parse of the same lines', unit: 'events/s', runs: numbersOf(values, 'parsePerSecond'), digits: 0 },
    ratioLabel: 'Sinew / JSON.parse',
    goal: { text: `≥ ${formatNumber(goalEventsPerSecond)} events/s`, met: median(ingest) >= goalEventsPerSecond },
    details,
  };
}

/** Microseconds per event each stage adds over the one before, from the stage medians. */
function costLadder(values: ChildReport): string {
  const micros = (key: string): number => 1e6 / median(numbersOf(values, key));
  const steps: [string, number][] = [
    ['JSON.parse', micros('parsePerSecond')],
    ['+ zod projection', micros('projectPerSecond') - micros('parsePerSecond')],
    ['+ reflector machinery (line splitting, envelope check, async iteration, RxJS merge)', micros('reflectPerSecond') - micros('projectPerSecond')],
    ['+ engine in memory (batching, store apply and index, reconcile, metrics)', micros('memoryStorePerSecond') - micros('reflectPerSecond')],
    ['+ LMDB (encoding, commits, flush)', 1e6 / median(numbersOf(values, 'ingestPerSecond')) - micros('memoryStorePerSecond')],
  ];
  return `Wall µs per event, from the stage medians: ${steps.map(([label, value]) => `${label} ${formatNumber(value, 1)}`).join('; ')}`
    + ` = ${formatNumber(1e6 / median(numbersOf(values, 'ingestPerSecond')), 1)} µs (goal: ${formatNumber(1e6 / goalEventsPerSecond)} µs)`;
}

/** Profiles one more ingest (after a warm-up) in a child set up as the measured ones; summarizes it. */
async function profileOneRun(dir: string, cpu: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `ingest-${Date.now()}.cpuprofile`);
  await runChild(import.meta.url, ['--profile', file], { nodeFlags: ['--expose-gc'], pinCpu: cpu });
  const summary = summarizeProfile(file, 12);
  const list = (hotspots: readonly Hotspot[]): string => hotspots.map((spot) => `${spot.name} ${formatNumber(spot.percent, 1)}%`).join('; ');
  return [
    `CPU profile of one more ingest run (main thread only; LMDB's writer thread is not sampled): ${file}, ${formatNumber(summary.totalMs)} ms`,
    `Self time by file: ${list(summary.files)}`,
    `Self time by function: ${list(summary.functions)}`,
  ];
}

interface Workload {
  readonly streams: ReturnType<typeof clusterWatchStreams>;
  readonly chunks: ReadonlyMap<string, readonly Buffer[]>;
  readonly scripts: WatchScripts;
  readonly events: number;
}

function workload(): Workload {
  const streams = clusterWatchStreams(benchCluster, 'rollout');
  const chunks = new Map(streams.map((stream) => [stream.path, [...chunked(stream.lines())]]));
  const scripts: WatchScripts = new Map([...chunks].map(([key, value]) => [key, () => value]));
  return { streams, chunks, scripts, events: streams.reduce((sum, stream) => sum + stream.events, 0) };
}

/** Child: a warm-up ingest, then one ingest under the inspector's sampling profiler. */
async function profileChild(file: string): Promise<void> {
  const { scripts, events } = workload();
  await ingestOnce(scripts, events);
  collect();
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const { timing } = await ingestOnce(scripts, events);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  fs.writeFileSync(file, JSON.stringify(profile));
  report({ perSecond: events / timing.seconds });
}

async function child(runs: number): Promise<void> {
  const { streams, chunks, scripts, events } = workload();
  const podEvents = streams[0]?.events ?? 0;
  const bytesOf = (buffers: readonly Buffer[]): number => buffers.reduce((sum, buffer) => sum + buffer.length, 0);
  const podBytes = bytesOf(chunks.get(streams[0]?.path ?? '') ?? []);
  const totalBytes = [...chunks.values()].reduce((sum, buffers) => sum + bytesOf(buffers), 0);

  const ingest: number[] = [];
  const cpuMicros: number[] = [];
  const seconds: number[] = [];
  const parse: number[] = [];
  const projectRates: number[] = [];
  const reflectRates: number[] = [];
  const memoryRates: number[] = [];
  let warmup = 0;
  let endState = { storeSize: 0, views: 0, viewItems: 0 };
  for (let run = 0; run <= runs; run++) {
    collect();
    const { timing, state } = await ingestOnce(scripts, events);
    endState = state;
    collect();
    const memoryTiming = (await ingestOnce(scripts, events, 'memory')).timing;
    collect();
    const parseTiming = parseLines(chunks, undefined);
    collect();
    const projectTiming = parseLines(chunks, new Map(fedKinds.map((spec) => [pathOf(streams, spec), spec])));
    collect();
    const reflectTiming = await reflectOnly(scripts, events);
    if (run === 0) {
      warmup = events / timing.seconds;
      continue;
    }
    ingest.push(events / timing.seconds);
    seconds.push(timing.seconds);
    cpuMicros.push((timing.cpuSeconds * 1e6) / events);
    parse.push(events / parseTiming.seconds);
    projectRates.push(events / projectTiming.seconds);
    reflectRates.push(events / reflectTiming.seconds);
    memoryRates.push(events / memoryTiming.seconds);
  }
  report({
    events, podEvents, serviceEvents: streams[1]?.events ?? 0, sliceEvents: streams[2]?.events ?? 0,
    megabytes: totalBytes / 1e6, podEventBytes: podBytes / podEvents,
    ingestPerSecond: ingest, podPerSecond: seconds.map((s) => podEvents / s), cpuMicrosPerEvent: cpuMicros, seconds,
    parsePerSecond: parse, projectPerSecond: projectRates, reflectPerSecond: reflectRates, memoryStorePerSecond: memoryRates, warmupPerSecond: warmup, ...endState,
  });
}

function pathOf(streams: ReturnType<typeof clusterWatchStreams>, spec: KindSpec): string {
  return streams.find((stream) => stream.path.endsWith(`/${spec.plural}`))?.path ?? '';
}

function collect(): void {
  globalThis.gc?.();
}

/** One timed ingest into a fresh engine; returns the timing and what the engine holds after it. */
async function ingestOnce(scripts: WatchScripts, events: number, store: 'lmdb' | 'memory' = 'lmdb'): Promise<{ timing: Timing; state: { storeSize: number; views: number; viewItems: number } }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-bench-ingest-'));
  const metrics = createEngineMetrics();
  const engine = await createEngine({ storeDir: store === 'lmdb' ? dir : undefined, kinds: allKinds, reconcilers: allReconcilers, log: silentLogger, metrics });
  try {
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const feed = feedEngine({ engine, scripts, expectedChanges: events, metrics });
    try {
      await feed.fed;
    } finally {
      feed.stop();
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const viewKeys = engine.store.viewKeys();
    const viewItems = viewKeys.reduce((sum, key) => sum + (engine.store.getView(key)?.items.length ?? 0), 0);
    return { timing: { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }, state: { storeSize: engine.store.size(), views: viewKeys.length, viewItems } };
  } finally {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The reference: decode each path's bytes chunk by chunk, split lines, `JSON.parse` each; with
 * `specs`, also project each event's object through its kind's zod schema.
 */
function parseLines(chunks: ReadonlyMap<string, readonly Buffer[]>, specs: ReadonlyMap<string, KindSpec> | undefined): Timing {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let parsed = 0;
  for (const [streamPath, buffers] of chunks) {
    const spec = specs?.get(streamPath);
    const decoder = new StringDecoder('utf8');
    let pending = '';
    for (const buffer of buffers) {
      pending += decoder.write(buffer);
      let from = 0;
      for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n', from)) {
        const event = JSON.parse(pending.slice(from, newline)) as { object?: unknown };
        if (spec === undefined || project(spec, event.object).ok) parsed++;
        from = newline + 1;
      }
      pending = pending.slice(from);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (parsed === 0) throw new Error('nothing parsed');
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The reflectors alone: the same informers over the same bytes, events counted and dropped. */
function reflectOnly(scripts: WatchScripts, events: number): Promise<Timing> {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let seen = 0;
  return new Promise((resolve, reject) => {
    const subscription = informers({ client: inMemoryApiClient(scripts), kinds: fedKinds, seed: () => ({ resourceVersion: undefined, keys: new Map() }), log: silentLogger })
      .subscribe({
        next: (event) => {
          seen += changesOf(event).length;
          if (seen < events) return;
          const cpu = process.cpuUsage(cpuBefore);
          resolve({ seconds: (performance.now() - start) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
          queueMicrotask(() => subscription.unsubscribe());
        },
        error: reject,
      });
  });
}

if (isEntryPoint(import.meta.url)) {
  const [mode, argument] = process.argv.slice(2);
  if (mode === '--child') await child(Number(argument ?? measuredRuns));
  else if (mode === '--profile' && argument !== undefined) await profileChild(argument);
}
