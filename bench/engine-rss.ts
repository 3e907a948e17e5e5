/**
 * RSS: the control plane's resident memory with the benchmark cluster indexed and its views
 * reconciled (10,000 pods, 1,000 Services, 1,000 EndpointSlices, 2,000 endpoints views).
 *
 * How: each run is a fresh `node --expose-gc` child. It imports the engine, collects garbage and
 * reads `process.memoryUsage()`: that is the baseline (the reference: node plus Sinew's modules,
 * nothing loaded). It then builds the engine on a temp LMDB dir and feeds the settled cluster
 * (each object once) through the production path (`watch-feed.ts`: real reflectors over an
 * in-memory ApiClient, `startPipeline`); the watch bytes are generated lazily, so the child never
 * holds them. Once everything is committed it collects garbage twice and reads memory again, with
 * the engine and the (now idle) informers still live, as a serving control plane would be.
 * Three children; the median is reported, with the baseline and the growth over it. Three more
 * children load the same with the store in memory only, to show what LMDB adds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allKinds } from '../src/informers/kinds/index.js';
import { silentLogger } from '../src/observe/logger.js';
import { createEngineMetrics } from '../src/observe/metrics.js';
import { allReconcilers } from '../src/reconcilers/index.js';
import { createEngine } from '../src/streams/engine.js';
import type { BenchResult } from './bench-result.js';
import { isEntryPoint, numberOf, report, runChild, type ChildReport } from './child-process.js';
import { benchCluster } from './cluster-objects.js';
import { formatList, formatNumber, median, megabytes } from './stats.js';
import { feedEngine } from './watch-feed.js';
import { chunked, clusterWatchStreams } from './watch-bytes.js';

const runs = 3;
const goalMegabytes = 150;

export async function runRss(): Promise<BenchResult> {
  const reports: ChildReport[] = [];
  const inMemory: ChildReport[] = [];
  for (let run = 0; run < runs; run++) {
    reports.push(await runChild(import.meta.url, ['--child', 'lmdb'], { nodeFlags: ['--expose-gc'] }));
    inMemory.push(await runChild(import.meta.url, ['--child', 'memory'], { nodeFlags: ['--expose-gc'] }));
  }
  const field = (key: string, from: readonly ChildReport[] = reports): number[] => from.map((values) => megabytes(numberOf(values, key)));
  const memoryRss = field('loadedRss', inMemory);
  const rss = field('loadedRss');
  const baseline = field('baselineRss');
  const growth = rss.map((value, i) => value - (baseline[i] ?? 0));
  const first = reports[0] ?? {};
  return {
    name: 'rss', title: 'RSS with 10,000 pods, 1,000 services and slices indexed',
    command: 'npm run bench -- rss  (node dist/bench/run.js rss)',
    result: { label: 'RSS loaded (after global.gc())', unit: 'MB', runs: rss, digits: 1 },
    reference: { label: 'baseline RSS of the same child before loading', unit: 'MB', runs: baseline, digits: 1 },
    ratioLabel: 'loaded / baseline',
    goal: { text: `≤ ${goalMegabytes} MB RSS`, met: median(rss) <= goalMegabytes },
    details: [
      `Growth over the baseline (the cluster's cost): median ${formatNumber(median(growth), 1)} MB; runs: ${formatList(growth, 1)} MB`,
      `Loaded V8 heap used: median ${formatNumber(median(field('loadedHeapUsed')), 1)} MB (baseline ${formatNumber(median(field('baselineHeapUsed')), 1)} MB); `
        + `heap total ${formatNumber(median(field('loadedHeapTotal')), 1)} MB; external ${formatNumber(median(field('loadedExternal')), 1)} MB `
        + `(of which ArrayBuffers ${formatNumber(median(field('loadedArrayBuffers')), 1)} MB)`,
      `Same load with the store in memory only (no --store dir, no LMDB): median ${formatNumber(median(memoryRss), 1)} MB RSS; runs: ${formatList(memoryRss, 1)} MB; `
        + `heap used ${formatNumber(median(field('loadedHeapUsed', inMemory)), 1)} MB, ArrayBuffers ${formatNumber(median(field('loadedArrayBuffers', inMemory)), 1)} MB`,
      `Loaded: ${formatNumber(numberOf(first, 'storeSize'))} objects, ${formatNumber(numberOf(first, 'views'))} views; `
        + `LMDB data.mdb ${formatNumber(megabytes(numberOf(first, 'storeFileBytes')), 1)} MB on disk (its mapped pages count in RSS once touched)`,
      `Each run is a fresh \`node --expose-gc\` child; the informers and engine stay live while memory is read`,
    ],
  };
}

async function child(store: 'lmdb' | 'memory'): Promise<void> {
  globalThis.gc?.();
  const baseline = process.memoryUsage();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-bench-rss-'));
  const metrics = createEngineMetrics();
  const engine = await createEngine({ storeDir: store === 'lmdb' ? path.join(dir, 'store') : undefined, kinds: allKinds, reconcilers: allReconcilers, log: silentLogger, metrics });
  const streams = clusterWatchStreams(benchCluster, 'steady');
  const feed = feedEngine({
    engine, metrics,
    scripts: new Map(streams.map((stream) => [stream.path, () => chunked(stream.lines())])),
    expectedChanges: streams.reduce((sum, stream) => sum + stream.events, 0),
  });
  await feed.fed;
  globalThis.gc?.();
  await new Promise((resolve) => setImmediate(resolve));
  globalThis.gc?.();
  const loaded = process.memoryUsage();
  const storeSize = engine.store.size();
  const views = engine.store.viewKeys().length;
  const dataFile = path.join(dir, 'store', 'data.mdb');
  const storeFileBytes = fs.existsSync(dataFile) ? fs.statSync(dataFile).size : 0;
  feed.stop();
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
  report({
    baselineRss: baseline.rss, baselineHeapUsed: baseline.heapUsed,
    loadedRss: loaded.rss, loadedHeapUsed: loaded.heapUsed, loadedHeapTotal: loaded.heapTotal,
    loadedExternal: loaded.external, loadedArrayBuffers: loaded.arrayBuffers,
    storeSize, views, storeFileBytes,
  });
}

if (isEntryPoint(import.meta.url) && process.argv[2] === '--child') await child(process.argv[3] === 'memory' ? 'memory' : 'lmdb');
