/**
 * Destination RSS: the control plane's resident memory with the benchmark cluster loaded (10,000
 * pods, 1,000 Services, 1,000 EndpointSlices) and 10,000 Destination.Get streams open.
 *
 * How: each run is a fresh session (`destination-session.ts`): a `node --expose-gc` server child,
 * pinned to one CPU, running the real engine on LMDB with every kind and reconciler, fed through
 * the real reflectors from the watch bytes, serving `destinationService` on 127.0.0.1; and a
 * client child that opens 10,000 Get streams, 10 on each of the 1,000 services' port 80, over
 * 100 HTTP/2 connections, and waits for every stream's first message (its snapshot). The server
 * reads `process.memoryUsage()` after `gc()` three times: before loading (modules imported, nothing
 * loaded: the reference), loaded with no stream open, and with every stream open. Three runs; the
 * median is reported. The server's own RSS only: the client child's memory is not the server's.
 */
import type { BenchResult } from './bench-result.js';
import { type ChildReport, numberOf, tasksetAvailable } from './child-process.js';
import { closeLayout, openLayout, startSession, streamsPerChannel } from './destination-session.js';
import { formatList, formatNumber, median, megabytes } from './stats.js';

const runs = 3;
const streams = 10_000;
const services = 1000;
const goalMegabytes = 250;

interface RssRun {
  readonly started: ChildReport;
  readonly opened: ChildReport;
  readonly open: ChildReport;
}

export async function runDestinationRss(): Promise<BenchResult> {
  const measured: RssRun[] = [];
  let pinnedCpu = -1;
  for (let run = 0; run < runs; run++) {
    const session = await startSession();
    try {
      pinnedCpu = session.serverCpu;
      const opened = await openLayout(session, { streams, services });
      const open = await session.server.ask({ type: 'memory' });
      if (numberOf(open, 'subscribers') !== streams) throw new Error(`the server holds ${numberOf(open, 'subscribers')} subscriptions, not ${streams}`);
      measured.push({ started: session.started, opened, open });
      await closeLayout(session);
    } finally {
      await session.end();
    }
  }
  return summarize(measured, pinnedCpu);
}

function summarize(measured: readonly RssRun[], pinnedCpu: number): BenchResult {
  const mb = (pick: (run: RssRun) => number): number[] => measured.map((run) => megabytes(pick(run)));
  const rss = mb((run) => numberOf(run.open, 'rss'));
  const baseline = mb((run) => numberOf(run.started, 'baselineRss'));
  const loaded = mb((run) => numberOf(run.started, 'loadedRss'));
  const streamCost = rss.map((value, i) => value - (loaded[i] ?? 0));
  const heap = (key: string, from: 'started' | 'open'): string => formatNumber(median(mb((run) => numberOf(run[from], key))), 1);
  const first = measured[0]?.started ?? {};
  return {
    name: 'destination-rss', title: `RSS with 10,000 pods, 1,000 services and ${formatNumber(streams)} Get streams open`,
    command: 'npm run bench -- destination-rss  (node dist/bench/run.js destination-rss)',
    result: { label: 'server RSS with every stream open (after global.gc())', unit: 'MB', runs: rss, digits: 1 },
    reference: { label: 'baseline RSS of the same child before loading', unit: 'MB', runs: baseline, digits: 1 },
    ratioLabel: 'with streams / baseline',
    goal: { text: `≤ ${goalMegabytes} MB RSS`, met: median(rss) <= goalMegabytes },
    details: [
      `Load: ${formatNumber(numberOf(first, 'objects'))} objects, ${formatNumber(numberOf(first, 'views'))} views, LMDB store, through the watch bytes; `
        + `${formatNumber(streams)} streams, ${streams / services} on each of ${formatNumber(services)} services (port 80), over `
        + `${formatNumber(streams / streamsPerChannel)} HTTP/2 connections from one client child; server ${tasksetAvailable() ? `pinned to CPU ${pinnedCpu}` : 'not pinned'}`,
      `Loaded, no stream open: median ${formatNumber(median(loaded), 1)} MB RSS; runs: ${formatList(loaded, 1)} MB`,
      `What the streams add (open − loaded): median ${formatNumber(median(streamCost), 1)} MB, `
        + `${formatNumber((median(streamCost) * 1024) / streams, 1)} KB per stream; runs: ${formatList(streamCost, 1)} MB`,
      `Heap used: ${heap('baselineHeapUsed', 'started')} MB baseline → ${heap('loadedHeapUsed', 'started')} MB loaded → ${heap('heapUsed', 'open')} MB with streams; `
        + `heap reserved with streams ${heap('heapTotal', 'open')} MB; external ${heap('external', 'open')} MB (ArrayBuffers ${heap('arrayBuffers', 'open')} MB)`,
      `Opening the ${formatNumber(streams)} streams until every snapshot arrived: ${formatList(measured.map((run) => numberOf(run.opened, 'openMs') / 1000), 1)} s`,
      `Each run is a fresh server child; memory is read after gc() twice with the engine, the idle informers and the gRPC server live`,
    ],
  };
}
