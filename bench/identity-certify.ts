/**
 * Identity Certify throughput: valid requests answered with signed certificates, per second, by
 * the real `sinew control-plane --components identity` process on one CPU core.
 *
 * How: a fresh CA (`generateCa`) is written as the issuer directory; the fake API server (the
 * tests' one, real HTTP on 127.0.0.1) holds 200 service account tokens with the audience
 * identity.l5d.io, and 200 CSRs (one per service account, P-256, made beforehand) are ready.
 * The server process is started pinned to the last CPU with taskset, rate limit raised out of
 * the way (it still runs per call). This process, the driver, is pinned to CPU 0 for the run
 * (`taskset -a -p`, restored afterwards): four gRPC channels keep 32 Certify calls in flight in
 * total, each answered after a real TokenReview over HTTP to the fake API server. Every answer
 * must be a certificate; any refusal fails the benchmark. After 1,000 warm-up calls, five runs of
 * 4,000 calls are timed, and the server's CPU time (/proc/PID/stat utime + stime, all its
 * threads) is read around each run. The result is certificates per CPU-second of the server:
 * what one core sustains. It equals the wall-clock rate when the server is saturated; on a
 * machine of two cores the driver shares its core with everything else and often cannot saturate
 * it, so the wall-clock rate and both processes' CPU use are reported beside it.
 *
 * Reference, measured in the same run on the same pinned CPU, in a child: the raw rate of ECDSA
 * P-256 signatures with node:crypto (`sign('sha256', 400 bytes, key)`), the one signature every
 * certificate costs. The ratio says what fraction of bare signing speed Certify keeps.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CertifyRequest } from '../src/gen/proto/io/linkerd/proxy/identity/CertifyRequest.js';
import type { IdentityClient } from '../src/gen/proto/io/linkerd/proxy/identity/Identity.js';
import type { BenchResult } from './bench-result.js';
import { isEntryPoint, numbersOf, report, runChild, tasksetAvailable } from './child-process.js';
import { formatList, formatNumber, median } from './stats.js';

const measuredRuns = 5;
const callsPerRun = 4000;
const warmUpCalls = 1000;
const inFlight = 32;
const channels = 4;
const accounts = 200;
const goalPerSecond = 1000;

const sinewBin = fileURLToPath(new URL('../../bin/sinew.js', import.meta.url));

interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

async function startServer(dir: string, kubeconfig: string, cpu: number, pinned: boolean): Promise<ServerProcess> {
  const args = [sinewBin, 'control-plane', '--components', 'identity', '--kubeconfig', kubeconfig, '--admin-addr', '127.0.0.1:0',
    '--identity-addr', '127.0.0.1:0', '--identity-issuer-dir', dir, '--identity-trust-anchors-file', path.join(dir, 'ca.crt'),
    '--identity-client-rate', '1000000000', '--identity-client-burst', '1000000000'];
  const child = pinned ? spawn('taskset', ['-c', String(cpu), process.execPath, ...args]) : spawn(process.execPath, args);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`identity server did not start:\n${stderr}`)), 20_000);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /control plane started[^\n]*identity=[\d.]+:(\d+)/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', () => reject(new Error(`identity server exited:\n${stderr}`)));
  });
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return {
    child, port,
    cpuSeconds() {
      const fields = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      return (Number(fields[11]) + Number(fields[12])) / ticks;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function makeRequests(): Promise<CertifyRequest[]> {
  const { csrFor, identityOf } = await import('../test/identity/pki-fixtures.js');
  const requests: CertifyRequest[] = [];
  for (let i = 0; i < accounts; i++) {
    const identity = identityOf(`sa-${i}`, 'bench');
    requests.push({ identity, token: Buffer.from(`token-${i}`), certificate_signing_request: (await csrFor(identity)).der });
  }
  return requests;
}

async function drive(clients: readonly IdentityClient[], requests: readonly CertifyRequest[], calls: number): Promise<void> {
  let started = 0;
  const worker = async (lane: number): Promise<void> => {
    while (started < calls) {
      const index = started++;
      const client = clients[lane % clients.length] as IdentityClient;
      await new Promise<void>((resolve, reject) => {
        client.Certify(requests[index % requests.length] as CertifyRequest, (error, response) => {
          if (error !== null) reject(new Error(`Certify refused a valid request: ${error.details}`));
          else if (response === undefined || response.leaf_certificate.length === 0) reject(new Error('Certify answered no certificate'));
          else resolve();
        });
      });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, lane) => worker(lane)));
}

function pinSelf(cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

export async function runIdentityCertify(): Promise<BenchResult> {
  const serverCpu = os.availableParallelism() - 1;
  const pinned = tasksetAvailable() && serverCpu > 0;
  const reference = numbersOf(await runChild(import.meta.url, ['--sign-reference'], { pinCpu: serverCpu }), 'signsPerSecond');
  const [{ FakeApiServer }, { credentials }, { loadProtos }, { generateCa }] = await Promise.all([
    import('../test/support/fake-api-server.js'), import('@grpc/grpc-js'), import('../src/streams/proto.js'), import('../src/identity/generate-ca.js'),
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-bench-identity-'));
  const api = await FakeApiServer.start();
  let server: ServerProcess | undefined;
  const clients: IdentityClient[] = [];
  try {
    const ca = await generateCa({ domain: { controllerNamespace: 'linkerd', trustDomain: 'cluster.local' } });
    fs.writeFileSync(path.join(dir, 'ca.crt'), ca.anchorPem);
    fs.writeFileSync(path.join(dir, 'tls.crt'), ca.issuerPem);
    fs.writeFileSync(path.join(dir, 'tls.key'), ca.issuerKeyPem);
    const kubeconfig = path.join(dir, 'kubeconfig');
    api.writeKubeconfig(kubeconfig);
    for (let i = 0; i < accounts; i++) api.addServiceAccountToken(`token-${i}`, 'bench', `sa-${i}`, ['identity.l5d.io']);
    const requests = await makeRequests();
    server = await startServer(dir, kubeconfig, serverCpu, pinned);
    if (pinned) pinSelf('0');
    const proto = loadProtos<import('../src/gen/proto/identity.js').ProtoGrpcType>(['identity.proto']);
    for (let i = 0; i < channels; i++) {
      clients.push(new proto.io.linkerd.proxy.identity.Identity(`127.0.0.1:${server.port}`, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
    }
    await drive(clients, requests, warmUpCalls);
    const runs: RunNumbers[] = [];
    for (let run = 0; run < measuredRuns; run++) {
      const serverBefore = server.cpuSeconds();
      const driverBefore = process.cpuUsage();
      const start = performance.now();
      await drive(clients, requests, callsPerRun);
      const seconds = (performance.now() - start) / 1000;
      const serverCpu = server.cpuSeconds() - serverBefore;
      const driver = process.cpuUsage(driverBefore);
      runs.push({ seconds, serverCpu, driverCpu: (driver.user + driver.system) / 1e6 });
    }
    return summarize(runs, reference, pinned, serverCpu);
  } finally {
    for (const client of clients) client.close();
    if (pinned) pinSelf(`0-${serverCpu}`);
    await server?.stop();
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface RunNumbers {
  readonly seconds: number;
  readonly serverCpu: number;
  readonly driverCpu: number;
}

function summarize(runs: readonly RunNumbers[], reference: readonly number[], pinned: boolean, serverCpu: number): BenchResult {
  const perCpuSecond = runs.map((run) => callsPerRun / run.serverCpu);
  const perSecond = runs.map((run) => callsPerRun / run.seconds);
  const cpuMs = runs.map((run) => (run.serverCpu * 1000) / callsPerRun);
  const busy = runs.map((run) => (run.serverCpu / run.seconds) * 100);
  const driverBusy = runs.map((run) => (run.driverCpu / run.seconds) * 100);
  return {
    name: 'identity-certify', title: 'Identity Certify throughput (valid requests, one core)',
    command: 'npm run bench -- identity-certify  (node dist/bench/run.js identity-certify)',
    result: { label: 'certificates issued per CPU-second of the server process', unit: 'certificates/s', runs: perCpuSecond, digits: 0 },
    reference: { label: 'ECDSA P-256 signatures per second, node:crypto, same CPU', unit: 'signatures/s', runs: reference, digits: 0 },
    ratioLabel: 'Certify / raw sign',
    goal: { text: `≥ ${formatNumber(goalPerSecond)} certificates/s on one core`, met: median(perCpuSecond) >= goalPerSecond },
    details: [
      `Server: \`sinew control-plane --components identity\`, ${pinned ? `pinned to CPU ${serverCpu} with taskset` : 'not pinned (no taskset)'}; `
        + `driver (this process: gRPC clients and the fake API server) ${pinned ? 'pinned to CPU 0' : 'unpinned'}`,
      `Each call: gRPC unary Certify, CSR parse and checks, TokenReview over HTTP, leaf signed; ${inFlight} calls in flight over ${channels} channels, `
        + `${accounts} identities, ${formatNumber(callsPerRun)} calls a run after ${formatNumber(warmUpCalls)} warm-up calls`,
      `Server CPU per certificate: median ${formatNumber(median(cpuMs), 3)} ms (runs ${formatList(cpuMs, 3)})`,
      `Wall-clock rate the driver achieved: median ${formatNumber(median(perSecond))} certificates/s (runs ${formatList(perSecond)}), with the server `
        + `busy ${formatNumber(median(busy))}% of its core (runs ${formatList(busy)}) and the driver ${formatNumber(median(driverBusy))}% of its own `
        + `(runs ${formatList(driverBusy)}); a server under 100% was waiting for the driver`,
    ],
  };
}

/** Child side of the reference: ECDSA P-256 signatures a second, five one-second runs. */
function signReference(): void {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const tbs = randomBytes(400);
  for (let i = 0; i < 2000; i++) sign('sha256', tbs, { key, dsaEncoding: 'der' });
  const runs: number[] = [];
  for (let run = 0; run < measuredRuns; run++) {
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < 1000) {
      for (let i = 0; i < 100; i++) sign('sha256', tbs, { key, dsaEncoding: 'der' });
      count += 100;
    }
    runs.push(count / ((performance.now() - start) / 1000));
  }
  report({ signsPerSecond: runs });
}

if (isEntryPoint(import.meta.url) && process.argv.includes('--sign-reference')) signReference();
