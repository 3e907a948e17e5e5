/**
 * The proxy's data-path cost: latency, throughput, CPU and memory of a request through a pair of
 * real `sinew proxy` processes, beside the same request sent directly and through nginx, in one
 * run on the same machine with the same load generator (bench/proxy-load.ts).
 *
 * Paths, all on 127.0.0.0/8, all ending at the same application process (bench/proxy-app.ts):
 * - direct: client → app;
 * - sinew: client → client proxy (its outbound listener standing for the Service's cluster IP) →
 *   HTTP/2 over mTLS → server proxy (inbound, policy and metrics on, as test/support/mesh-world.ts
 *   starts them against the real control plane) → app;
 * - nginx: client → nginx (one worker, upstream keep-alive; bench/proxy-nginx.ts) → app.
 *
 * Each round measures every path in turn (the order rotates between rounds): 3 s of closed-loop
 * warm-up; an open-loop run of 5,000 requests at 1,000 requests/s on 8 connections (p50, p99, the
 * CPU each proxy process used divided by the requests answered, and its VmRSS sampled every
 * second, the highest kept); then a closed-loop run of 16 connections for 5 s (the highest rate).
 * Results are medians over the rounds. Added latency is the path's percentile minus the direct
 * path's in the same round.
 */
import type { BenchResult } from './bench-result.js';
import { ensureNginx, startNginx } from './proxy-nginx.js';
import { startApp } from './proxy-app.js';
import { closedRun, type LoadTarget, pacedRun, percentile } from './proxy-load.js';
import { cpuSeconds, rssBytes } from './proxy-process-stats.js';
import { formatList, formatNumber, median, megabytes } from './stats.js';

const rounds = 3;
const paced = { rate: 1000, count: 5000, connections: 8, capMs: 15_000 } as const;
const closed = { connections: 16, durationMs: 5000, maxRequests: 1_000_000 } as const;
const warmUp = { connections: 16, durationMs: 3000, maxRequests: 60_000 } as const;
const pod = 7;
const nginxHost = '127.0.60.1';
const goals = { cpuUs: 100, addedP99Ms: 0.5, rssMb: 60 } as const;

type PathName = 'direct' | 'nginx' | 'sinew';

interface Watched {
  readonly label: string;
  readonly pid: number;
}

interface LoadPath {
  readonly name: PathName;
  readonly target: LoadTarget;
  readonly processes: readonly Watched[];
}

interface RoundResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly pacedErrors: number;
  readonly pacedSeconds: number;
  /** Per watched process, µs of CPU per answered request during the paced run. */
  readonly cpuUs: readonly number[];
  /** Per watched process, the highest VmRSS sampled during the paced run, MB. */
  readonly rssMb: readonly number[];
  readonly closedPerSecond: number;
  readonly closedErrors: number;
  readonly closedCpuUs: readonly number[];
}

function cpuPerRequest(processes: readonly Watched[], before: readonly number[], requests: number): number[] {
  return processes.map((watched, i) => ((cpuSeconds(watched.pid) - (before[i] as number)) * 1e6) / Math.max(1, requests));
}

async function measure(path: LoadPath): Promise<RoundResult> {
  await closedRun(path.target, warmUp);
  const rss = path.processes.map((watched) => rssBytes(watched.pid));
  const sample = (): void => path.processes.forEach((watched, i) => { rss[i] = Math.max(rss[i] as number, rssBytes(watched.pid)); });
  let before = path.processes.map((watched) => cpuSeconds(watched.pid));
  const open = await pacedRun(path.target, { ...paced, onSecond: sample });
  sample();
  const cpuUs = cpuPerRequest(path.processes, before, open.latenciesMs.length);
  before = path.processes.map((watched) => cpuSeconds(watched.pid));
  const saturated = await closedRun(path.target, closed);
  return {
    p50Ms: percentile(open.latenciesMs, 50), p99Ms: percentile(open.latenciesMs, 99), pacedErrors: open.errors, pacedSeconds: open.seconds,
    cpuUs, rssMb: rss.map(megabytes), closedPerSecond: saturated.perSecond, closedErrors: saturated.errors,
    closedCpuUs: cpuPerRequest(path.processes, before, saturated.answered),
  };
}

/** One request on a fresh connection, so a broken path fails loudly before anything is measured. */
async function check(path: LoadPath): Promise<void> {
  const result = await pacedRun(path.target, { rate: 100, count: 1, connections: 1, capMs: 10_000 });
  if (result.errors > 0) throw new Error(`the ${path.name} path (${path.target.host}:${path.target.port}) did not answer 200 to GET ${path.target.path}`);
}

type Results = Record<PathName, RoundResult[]>;

async function runRounds(paths: readonly LoadPath[], log: (line: string) => void): Promise<Results> {
  const results: Results = { direct: [], nginx: [], sinew: [] };
  for (const path of paths) await check(path);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < paths.length; i++) {
      const path = paths[(i + round) % paths.length] as LoadPath;
      const result = await measure(path);
      results[path.name].push(result);
      log(`  round ${round + 1} ${path.name}: p50 ${result.p50Ms.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms, `
        + `${Math.round(result.closedPerSecond)}/s closed, CPU µs/request ${formatList(result.cpuUs, 1)}, RSS MB ${formatList(result.rssMb, 1)}`
        + `${result.pacedErrors + result.closedErrors > 0 ? `, errors ${result.pacedErrors} paced ${result.closedErrors} closed` : ''}`);
    }
  }
  return results;
}

export async function runProxyLatency(): Promise<BenchResult[]> {
  const log = (line: string): void => { process.stdout.write(`${line}\n`); };
  const nginxVersion = ensureNginx(log);
  const mesh = await import('../test/support/mesh-world.js');
  const world = await mesh.startMeshWorld(mesh.meshObjects([pod]));
  const stops: (() => Promise<unknown>)[] = [() => world.close()];
  try {
    const app = await startApp(mesh.webAppIp(pod), mesh.appPort);
    stops.unshift(() => app.stop());
    const serverIp = mesh.webPodIp(pod);
    const clientIp = mesh.curlPodIp.replace(/\.1$/, `.${pod}`);
    const server = await mesh.startProxyProcess(world.proxyEnv({ name: `web-${pod}`, ip: serverIp, serviceAccount: 'web' },
      { SINEW_PROXY_ORIGINAL_DST_MAP: `inbound:${serverIp}:${mesh.appPort}=${serverIp}:${mesh.appPort}` }));
    stops.unshift(() => server.kill());
    const client = await mesh.startProxyProcess(world.proxyEnv({ name: 'curl-1', ip: clientIp, serviceAccount: 'curl' },
      { SINEW_PROXY_ORIGINAL_DST_MAP: `outbound:${clientIp}:${mesh.curlServicePort}=${mesh.webClusterIp}:80` }));
    stops.unshift(() => client.kill());
    const nginx = await startNginx(nginxHost, `${mesh.webAppIp(pod)}:${mesh.appPort}`, nginxVersion);
    stops.unshift(() => nginx.stop());
    const authority = `web.${mesh.meshNamespace}.svc.cluster.local`;
    const paths: LoadPath[] = [
      { name: 'direct', target: { host: mesh.webAppIp(pod), port: mesh.appPort, authority, path: '/bench' }, processes: [] },
      { name: 'nginx', target: { host: nginxHost, port: nginx.port, authority, path: '/bench' }, processes: [{ label: 'nginx worker', pid: nginx.workerPid }] },
      { name: 'sinew', target: { host: clientIp, port: mesh.curlServicePort, authority, path: '/bench' },
        processes: [{ label: 'client proxy', pid: client.child.pid as number }, { label: 'server proxy', pid: server.child.pid as number }] },
    ];
    log(`  nginx ${nginxVersion}; proxies pid ${client.child.pid} (client) and ${server.child.pid} (server)`);
    const idle = paths.flatMap((path) => path.processes).map((watched) => `${watched.label} ${formatNumber(megabytes(rssBytes(watched.pid)), 1)} MB`);
    const results = await runRounds(paths, log);
    const notes = [`VmRSS after start-up, before any request: ${idle.join(', ')}`, await inboundTlsLine(serverIp)];
    return buildResults(results, nginxVersion, notes);
  } finally {
    for (const stop of stops) await stop().catch((error: unknown) => log(`  cleanup: ${(error as Error).message}`));
  }
}

/** The server proxy's own count of inbound requests that arrived over mTLS, as evidence of the path taken. */
async function inboundTlsLine(serverIp: string): Promise<string> {
  try {
    const response = await fetch(`http://${serverIp}:4191/metrics`);
    const text = await response.text();
    const total = text.split('\n').filter((line) => line.startsWith('request_total{') && line.includes('direction="inbound"') && line.includes('tls="true"'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    return `The server proxy's /metrics counted ${formatNumber(total)} inbound requests with tls="true" (client identity curl) over the whole run.`;
  } catch (error) {
    return `The server proxy's /metrics could not be read: ${(error as Error).message}`;
  }
}

const column = <T>(runs: readonly RoundResult[], pick: (run: RoundResult) => T): T[] => runs.map(pick);

function pathLine(name: string, runs: readonly RoundResult[], direct: readonly RoundResult[]): string {
  const added = (pick: (run: RoundResult) => number): number[] => runs.map((run, i) => pick(run) - pick(direct[i] as RoundResult));
  const closedRatio = runs.map((run, i) => run.closedPerSecond / (direct[i] as RoundResult).closedPerSecond);
  const errors = runs.reduce((sum, run) => sum + run.pacedErrors + run.closedErrors, 0);
  return `${name}: p50 median ${formatNumber(median(column(runs, (r) => r.p50Ms)), 3)} ms (runs ${formatList(column(runs, (r) => r.p50Ms), 3)}), `
    + `p99 median ${formatNumber(median(column(runs, (r) => r.p99Ms)), 3)} ms (runs ${formatList(column(runs, (r) => r.p99Ms), 3)}); `
    + (runs === direct ? '' : `added p50 ${formatNumber(median(added((r) => r.p50Ms)), 3)} ms, added p99 ${formatNumber(median(added((r) => r.p99Ms)), 3)} ms; `)
    + `closed loop median ${formatNumber(median(column(runs, (r) => r.closedPerSecond)))}/s (runs ${formatList(column(runs, (r) => r.closedPerSecond))})`
    + (runs === direct ? '' : `, ${formatNumber(median(closedRatio), 2)} of direct`)
    + `; paced runs took ${formatList(column(runs, (r) => r.pacedSeconds), 2)} s; errors ${errors}`;
}

function processLines(label: string, index: number, runs: readonly RoundResult[]): string[] {
  return [
    `  ${label}: CPU per request at 1,000/s median ${formatNumber(median(column(runs, (r) => r.cpuUs[index] as number)), 1)} µs (runs ${formatList(column(runs, (r) => r.cpuUs[index] as number), 1)}); `
      + `closed loop ${formatNumber(median(column(runs, (r) => r.closedCpuUs[index] as number)), 1)} µs (runs ${formatList(column(runs, (r) => r.closedCpuUs[index] as number), 1)}); `
      + `VmRSS at 1,000/s median ${formatNumber(median(column(runs, (r) => r.rssMb[index] as number)), 1)} MB (runs ${formatList(column(runs, (r) => r.rssMb[index] as number), 1)})`,
  ];
}

function buildResults(results: Results, nginxVersion: string, notes: readonly string[]): BenchResult[] {
  const { direct, nginx, sinew } = results;
  const addedP99 = sinew.map((run, i) => run.p99Ms - (direct[i] as RoundResult).p99Ms);
  const worst = (pick: (run: RoundResult) => readonly number[]): number[] => sinew.map((run) => Math.max(...pick(run)));
  const perProxyMedians = (pick: (run: RoundResult) => readonly number[]): number[] => [0, 1].map((i) => median(sinew.map((run) => pick(run)[i] as number)));
  const details = [
    `Paced: ${formatNumber(paced.count)} requests at ${formatNumber(paced.rate)}/s on ${paced.connections} keep-alive connections; closed loop: ${closed.connections} connections for ${closed.durationMs / 1000} s; ${rounds} rounds, medians`,
    pathLine('direct', direct, direct), pathLine(`nginx ${nginxVersion} (one worker)`, nginx, direct), pathLine('Sinew proxy pair', sinew, direct),
    ...processLines('Sinew client proxy', 0, sinew), ...processLines('Sinew server proxy', 1, sinew), ...processLines('nginx worker', 0, nginx),
    ...notes,
  ];
  const command = 'npm run bench -- proxy';
  return [
    {
      name: 'proxy-p99-added', title: 'Proxy pair: p99 latency added at 1,000 requests/s (client → proxy → mTLS → proxy → app)', command,
      result: { label: 'p99 added by the pair (Sinew p99 − direct p99, same round)', unit: 'ms', runs: addedP99, digits: 3 },
      reference: { label: 'direct p99', unit: 'ms', runs: column(direct, (r) => r.p99Ms), digits: 3 },
      ratioLabel: 'added / direct p99', goal: { text: `≤ ${goals.addedP99Ms} ms p99 added by the pair at 1,000 rps`, met: median(addedP99) <= goals.addedP99Ms }, details,
    },
    {
      name: 'proxy-cpu', title: 'Proxy CPU per request at 1,000 requests/s (the busier of the two Sinew proxies)', command,
      result: { label: 'CPU per request, busier proxy', unit: 'µs', runs: worst((r) => r.cpuUs), digits: 1 },
      reference: { label: `nginx worker CPU per request`, unit: 'µs', runs: column(nginx, (r) => r.cpuUs[0] as number), digits: 1 },
      ratioLabel: 'Sinew / nginx', goal: { text: `≤ ${goals.cpuUs} µs CPU per request per proxy`, met: perProxyMedians((r) => r.cpuUs).every((us) => us <= goals.cpuUs) },
      details: [...processLines('Sinew client proxy', 0, sinew), ...processLines('Sinew server proxy', 1, sinew)],
    },
    {
      name: 'proxy-rss', title: 'Proxy RSS at 1,000 requests/s (the larger of the two Sinew proxies)', command,
      result: { label: 'VmRSS, larger proxy', unit: 'MB', runs: worst((r) => r.rssMb), digits: 1 },
      reference: { label: 'nginx worker VmRSS', unit: 'MB', runs: column(nginx, (r) => r.rssMb[0] as number), digits: 1 },
      ratioLabel: 'Sinew / nginx', goal: { text: `RSS ≤ ${goals.rssMb} MB per proxy at 1,000 rps`, met: perProxyMedians((r) => r.rssMb).every((mb) => mb <= goals.rssMb) },
      details: [...processLines('Sinew client proxy', 0, sinew), ...processLines('Sinew server proxy', 1, sinew), notes[0] as string],
    },
  ];
}
