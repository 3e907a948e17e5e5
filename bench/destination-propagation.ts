/**
 * Propagation: an EndpointSlice change at the API to its receipt on 1,000 or 10,000 concurrent
 * Destination.Get streams, in milliseconds (p50, p99 and max over the streams, per change).
 *
 * How: two children (`destination-session.ts`), so the clients' CPU is not charged to the control
 * plane. The server child (`destination-server-child.ts`, pinned with taskset to the last CPU: the
 * control plane gets one core, LMDB's writer thread included) runs the real engine on LMDB with every kind and
 * reconciler, fed by the real reflectors from a live in-memory API with the benchmark cluster
 * (10,000 pods, 1,000 Services, 1,000 EndpointSlices), and serves `destinationService` on
 * 127.0.0.1. The client child (`destination-subscribers-child.ts`, pinned to CPU 0) opens the
 * streams over grpc-js, 100 streams per client instance (each its own HTTP/2 connection), and
 * waits for every stream's first message. Then, per change: the clients arm; the server writes
 * MODIFIED lines for EndpointSlices into the open watch (the first endpoint flips ready / not
 * ready, so each stream receives one `remove` or one `add`), stamping the time just before on the
 * shared clock (CLOCK_MONOTONIC, `shared-clock.ts`); each stream records when its update arrives.
 *
 * Layouts, each measured in the same session: every stream on one service (svc-0, one slice
 * changes: the hardest fan-out, the headline), and streams spread over 100 services (the 100
 * slices change in one burst of watch lines, so every stream again receives one update). One
 * warm-up change, then 9 measured; the median over changes is reported. Reference, in the same
 * session: the same propagation to a single stream. A change is written only after the previous
 * one has reached every stream, plus a 300 ms pause.
 *
 * Breakdown, per change: when the reflector emitted the change and when the loop finished
 * publishing it (the server child's clocks), the first and last receipt, both children's CPU time,
 * and how long each child's main thread waited for its CPU (`run-queue-wait.ts`): on a shared
 * machine that wait is latency other processes caused.
 *
 * `--profile DIR` also samples the server child's CPU (the inspector's profiler) during 5 more
 * changes on the headline layout, after the measured ones, and summarizes where its time went.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchResult } from './bench-result.js';
import { numberOf, tasksetAvailable } from './child-process.js';
import { type Hotspot, summarizeProfile } from './cpu-profile.js';
import { closeLayout, type DestinationSession, type Layout, openLayout, startSession, streamsPerChannel } from './destination-session.js';
import { formatList, formatNumber, median } from './stats.js';

const warmupChanges = 1;
const measuredChanges = 9;
const profiledChanges = 5;
const spreadServices = 100;
const pauseMs = 300;
const collectTimeoutMs = 20_000;

export interface ChangeTiming {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly min: number;
  /** Watch bytes written → the reflector emitted the last changed slice. */
  readonly parsedMs: number;
  /** Watch bytes written → the loop has reconciled, committed and written to every stream. */
  readonly publishedMs: number;
  readonly serverCpuMs: number;
  readonly clientCpuMs: number;
  /** Time the server's main thread was runnable but waited for its CPU (other processes'). */
  readonly serverWaitMs: number;
  readonly clientWaitMs: number;
}

export interface LayoutRun {
  readonly layout: Layout;
  readonly openMs: number;
  readonly channels: number;
  readonly changes: readonly ChangeTiming[];
}

/** One change through the server, collected from every stream of the open layout. */
async function oneChange(session: DestinationSession, layout: Layout): Promise<ChangeTiming> {
  await session.clients.ask({ type: 'arm' });
  const changed = await session.server.ask({ type: 'change', services: layout.services }, 15_000);
  const got = await session.clients.ask({ type: 'collect', at: numberOf(changed, 'at'), timeoutMs: collectTimeoutMs }, collectTimeoutMs + 5000);
  const after = await session.server.ask({ type: 'cpu' });
  const missing = numberOf(got, 'missing');
  if (missing > 0 || numberOf(got, 'errors') > 0) {
    throw new Error(`${missing} of ${layout.streams} streams missed the change within ${collectTimeoutMs} ms (${numberOf(got, 'errors')} stream errors)`);
  }
  // Stream i watches service i mod services, so every service has streams / services subscribers.
  const removes = numberOf(changed, 'removedServices') * (layout.streams / layout.services);
  if (numberOf(got, 'removes') !== removes || numberOf(got, 'adds') !== layout.streams - removes) {
    throw new Error(`expected ${removes} removes and ${layout.streams - removes} adds, got ${JSON.stringify(got)}`);
  }
  return {
    p50: numberOf(got, 'p50'), p99: numberOf(got, 'p99'), max: numberOf(got, 'max'), min: numberOf(got, 'min'),
    parsedMs: numberOf(changed, 'parsedMs'), publishedMs: numberOf(changed, 'publishedMs'),
    serverCpuMs: (numberOf(after, 'cpuMicros') - numberOf(changed, 'cpuMicros')) / 1000, clientCpuMs: numberOf(got, 'clientCpuMs'),
    serverWaitMs: numberOf(after, 'waitMs') - numberOf(changed, 'waitMs'), clientWaitMs: numberOf(got, 'clientWaitMs'),
  };
}

/** Opens a layout, runs the warm-up and measured changes (profiling them into `profileFile` if given), closes it. */
export async function measureLayout(session: DestinationSession, layout: Layout, profileFile?: string): Promise<LayoutRun> {
  const opened = await openLayout(session, layout);
  const changes: ChangeTiming[] = [];
  try {
    const total = warmupChanges + (profileFile === undefined ? measuredChanges : profiledChanges);
    for (let step = 0; step < total; step++) {
      if (step === warmupChanges && profileFile !== undefined) await session.server.ask({ type: 'profile-start' });
      const timing = await oneChange(session, layout);
      if (step >= warmupChanges) changes.push(timing);
      await sleep(pauseMs);
    }
    if (profileFile !== undefined) await session.server.ask({ type: 'profile-stop', file: profileFile });
  } finally {
    await closeLayout(session);
  }
  return { layout, openMs: numberOf(opened, 'openMs'), channels: numberOf(opened, 'channels'), changes };
}

export async function runPropagation(options: { readonly streams: number; readonly profileDir?: string }): Promise<BenchResult> {
  const session = await startSession();
  try {
    const reference = await measureLayout(session, { streams: 1, services: 1 });
    const one = await measureLayout(session, { streams: options.streams, services: 1 });
    const spread = await measureLayout(session, { streams: options.streams, services: spreadServices });
    const profile = options.profileDir === undefined ? [] : await profileChanges(session, options.streams, options.profileDir);
    return summarize(options.streams, session, { reference, one, spread }, profile);
  } finally {
    await session.end();
  }
}

async function profileChanges(session: DestinationSession, streams: number, dir: string): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `propagation-${streams}-${Date.now()}.cpuprofile`);
  await measureLayout(session, { streams, services: 1 }, file);
  const summary = summarizeProfile(file, 12);
  const list = (hotspots: readonly Hotspot[]): string => hotspots.map((spot) => `${spot.name} ${formatNumber(spot.percent, 1)}%`).join('; ');
  return [
    `CPU profile of the server child during ${profiledChanges} more changes on one service (not in the numbers above): ${file}, ${formatNumber(summary.totalMs)} ms sampled, idle included`,
    `  Self time by file: ${list(summary.files)}`,
    `  Self time by function: ${list(summary.functions)}`,
  ];
}

const pick = (run: LayoutRun, key: keyof ChangeTiming): number[] => run.changes.map((change) => change[key]);

function layoutLine(label: string, run: LayoutRun): string {
  const ms = (key: keyof ChangeTiming): string => `${formatNumber(median(pick(run, key)), 1)} ms`;
  return `${label}: p50 ${ms('p50')}, p99 ${ms('p99')}, max ${ms('max')} (medians over ${run.changes.length} changes); `
    + `per change p50 ${formatList(pick(run, 'p50'), 1)}; p99 ${formatList(pick(run, 'p99'), 1)}; max ${formatList(pick(run, 'max'), 1)} ms`;
}

function breakdownLine(label: string, run: LayoutRun): string {
  const ms = (key: keyof ChangeTiming): string => formatNumber(median(pick(run, key)), 1);
  const uncontended = run.changes.map((change) => change.max - change.serverWaitMs);
  return `${label}, medians: watch bytes written → reflector emitted the change(s) ${ms('parsedMs')} ms → loop done (5 ms batch window, `
    + `apply, reconcile, commit, per-stream diff, lens, protobuf encode and call.write for every stream) ${ms('publishedMs')} ms → `
    + `first stream received ${ms('min')} ms → last ${ms('max')} ms. Per change: server CPU ${ms('serverCpuMs')} ms (all threads), `
    + `its main thread runnable but waiting for the CPU ${ms('serverWaitMs')} ms; client child CPU ${ms('clientCpuMs')} ms, waiting `
    + `${ms('clientWaitMs')} ms. Last receipt minus the server's wait (a rough uncontended estimate): ${formatNumber(median(uncontended), 1)} ms. `
    + `Opening the ${formatNumber(run.layout.streams)} streams over ${run.channels} connections until every snapshot arrived: ${formatNumber(run.openMs)} ms`;
}

function summarize(streams: number, session: DestinationSession, runs: { reference: LayoutRun; one: LayoutRun; spread: LayoutRun },
  profile: readonly string[]): BenchResult {
  const { reference, one, spread } = runs;
  const small = streams <= 1000;
  const metric: keyof ChangeTiming = small ? 'p99' : 'max';
  const goalMs = small ? 100 : 1000;
  const result = pick(one, metric);
  const spreadMet = median(pick(spread, metric)) <= goalMs;
  const count = formatNumber(streams);
  return {
    name: `propagation-${small ? '1k' : '10k'}`,
    title: `Propagation: EndpointSlice change → ${count} Get streams on one service (${metric})`,
    command: `npm run bench -- propagation-${small ? '1k' : '10k'}  (node dist/bench/run.js propagation-${small ? '1k' : '10k'})`,
    result: { label: `${metric} over ${count} streams on one service`, unit: 'ms', runs: result, digits: 1 },
    reference: { label: 'the same change to 1 stream', unit: 'ms', runs: pick(reference, 'max'), digits: 1 },
    ratioLabel: `${count} streams ${metric} / 1 stream`,
    goal: { text: small ? `p99 ≤ ${goalMs} ms at ${count} streams` : `all ${count} within ${formatNumber(goalMs)} ms`, met: median(result) <= goalMs },
    details: [
      `Cluster: ${formatNumber(numberOf(session.started, 'objects'))} objects, ${formatNumber(numberOf(session.started, 'views'))} views, LMDB store, `
        + `loaded through the watch bytes in ${formatNumber(numberOf(session.started, 'loadMs'))} ms; server child `
        + `${tasksetAvailable() ? `pinned to CPU ${session.serverCpu}` : 'not pinned (no taskset)'}, client child `
        + `${session.clientCpu === undefined ? 'unpinned' : `pinned to CPU ${session.clientCpu}`}; ${streamsPerChannel} streams per grpc-js client (HTTP/2 connection)`,
      layoutLine(`All ${count} streams on one service (svc-0:80; one slice changes)`, one),
      layoutLine(`${count} streams spread over ${spreadServices} services (${formatNumber(streams / spreadServices)} each; ${spreadServices} slices change in one burst)`, spread)
        + `: goal ${spreadMet ? 'met' : 'not met'}`,
      layoutLine('Reference, 1 stream', reference),
      breakdownLine('Where the time goes, one service', one),
      breakdownLine(`Spread over ${spreadServices} services`, spread),
      breakdownLine('1 stream', reference),
      `One warm-up change per layout is not in the medians; a change is written only after the previous one reached every stream, plus ${pauseMs} ms`,
      ...profile,
    ],
  };
}
