/**
 * `sinew demo` as a newcomer runs it, as a process: the whole mesh on this machine (control plane,
 * a proxy and an application per pod), on a smaller log than the bundled one so that it fits a
 * test: one web, two api (rolled out 15 s in), one db, one nginx, the load generator and the intruder.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { demoEventLog } from '../../src/demo/demo-events.js';
import type { DemoSummary } from '../../src/demo/demo-summary.js';

const sinewBin = path.resolve('bin/sinew.js');

interface DemoProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
  /** Every process whose parent was the demo, seen so far (polled every 500 ms until it exits). */
  readonly descendants: Set<number>;
  /** The demo's temporary directories, read from its children's command lines. */
  readonly workspaces: Set<string>;
}

/** The pids of the processes whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Whether the process runs (a zombie, dead and not yet reaped by its new parent, does not). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function startDemo(args: readonly string[]): DemoProcess {
  const child = spawn(process.execPath, [sinewBin, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const descendants = new Set<number>();
  const workspaces = new Set<string>();
  const poll = setInterval(() => {
    for (const pid of childrenOf(child.pid ?? -1)) {
      descendants.add(pid);
      const workspace = /(\/[^\0]*\/sinew-demo-[A-Za-z0-9]+)\//.exec(commandLine(pid))?.[1];
      if (workspace !== undefined) workspaces.add(workspace);
    }
  }, 500);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    clearInterval(poll);
    resolve(code);
  }));
  return { child, stdout: () => stdout, stderr: () => stderr, exited, descendants, workspaces };
}

async function waitForOutput(demo: DemoProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(demo.stdout());
    if (match !== null) return match;
    if (demo.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${pattern} in the demo's output:\n${demo.stdout()}\n${demo.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Kills what a failed test left behind (the demo first: it stops its children itself). */
async function cleanUp(demo: DemoProcess | undefined): Promise<void> {
  if (demo === undefined) return;
  if (demo.child.exitCode === null) {
    demo.child.kill('SIGKILL');
    await demo.exited;
  }
  for (const pid of demo.descendants) if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** The first line the dashboard's live tap of deploy/web sends. */
function firstTapLine(dashboard: string): Promise<string> {
  const url = new URL(dashboard);
  const socket = new WebSocket(`ws://${url.host}/api/tap?namespace=demo&resource_type=deployment&resource_name=web`, { headers: { origin: url.origin } });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no tap event within 20 s')), 20_000);
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { type: string; line?: string; error?: string };
      if (message.type !== 'event') return;
      clearTimeout(timer);
      socket.close();
      resolve(message.line ?? '');
    });
    socket.on('error', reject);
  });
}

/** `atLeast`: the control plane, and a proxy and an app for each of the 7 pods (the apps of the load generators once the mesh is up). */
/** The demo's temporary directories still there (their names are in the control plane's command line, seen while it ran). */
function workspacesOf(demo: DemoProcess): string[] {
  return [...demo.workspaces].filter((dir) => fs.existsSync(dir));
}

function assertNoneLeft(demo: DemoProcess, atLeast = 15): void {
  assert.equal(demo.workspaces.size, 1, 'the control plane ran with files of the demo\'s temporary directory');
  assert.deepEqual(workspacesOf(demo), [], 'the temporary directory is removed');
  assert.ok(demo.descendants.size >= atLeast, `the demo ran a control plane and a proxy and an app per pod; saw only ${demo.descendants.size} children`);
  const left = [...demo.descendants].filter(alive);
  assert.deepEqual(left, [], `processes left behind: ${left.join(', ')}`);
}

describe('sinew demo', function () {
  this.timeout(120_000);
  let dir: string;
  let log: string;
  let demo: DemoProcess | undefined;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-demo-test-'));
    log = path.join(dir, 'demo.events.jsonl');
    fs.writeFileSync(log, demoEventLog({ rolloutAtS: 15, readyAfterS: 7, replicas: { web: 1, api: 2, db: 1, nginx: 1 } }));
  });
  afterEach(async () => {
    await cleanUp(demo);
    demo = undefined;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs for --duration, shows the table and the dashboard (live tap included), and its summary agrees with the proxies: no failure in the rollout, the intruder refused', async () => {
    const summaryFile = path.join(dir, 'summary.json');
    demo = startDemo(['--duration', '36s', '--port', '0', '--events', log, '--summary-file', summaryFile]);
    const [, url] = await waitForOutput(demo, /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/, 60_000);
    await waitForOutput(demo, /The mesh is up/, 60_000);
    const page = await fetch(url!);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    assert.match(await firstTapLine(url!), /^req id=\d+:\d+ proxy=(in|out) .*tls=true :method=GET :authority=(web|api)\.demo\.svc\.cluster\.local/);
    const code = await demo.exited;
    const out = demo.stdout();
    assert.equal(code, 0, `exit code ${code}:\n${out}\n${demo.stderr()}`);
    assert.match(out, /NAME +MESHED +SUCCESS +RPS +LATENCY_P50 +LATENCY_P95 +LATENCY_P99 +TCP_CONN/);
    assert.match(out, /^web +1\/1 +\d+\.\d\d% +\d+\.\drps/m);
    assert.match(out, /^api +\d\/\d +\d+\.\d\d%/m);
    assert.match(out, /web → api +client web\.demo +server api\.demo/);
    assert.match(out, /The load generator's counts agree with the proxies' own metrics/);

    const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as DemoSummary;
    assert.equal(summary.agree, true, summary.disagreements.join('\n'));
    assert.ok(summary.load.sent > 100, `the load generator sent only ${summary.load.sent} requests`);
    assert.equal(summary.load.sent, summary.proxies.trafficRequests);
    assert.equal(summary.load.ok, summary.proxies.trafficSuccess);
    assert.equal(summary.load.failed, 0, JSON.stringify(summary.load.byService));
    assert.ok(summary.rollout !== undefined && summary.rollout.sent > 0, 'requests were sent during the rollout');
    assert.equal(summary.rollout.failed, 0, 'no request failed during the rollout');
    assert.equal(summary.rollout.finished, true, `the rollout ended within the run: ${JSON.stringify(summary.rollout)}`);
    assert.ok(summary.intruder.sent > 0 && summary.intruder.refused === summary.intruder.sent, `intruder: ${JSON.stringify(summary.intruder)}`);
    assert.equal(summary.proxies.denied, summary.intruder.refused);
    assertNoneLeft(demo);
  });

  it('stops everything and prints its summary on SIGINT mid-run', async () => {
    demo = startDemo(['--port', '0', '--events', log]);
    await waitForOutput(demo, /The mesh is up/, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    demo.child.kill('SIGINT');
    const code = await demo.exited;
    assert.equal(code, 0, `exit code ${code}:\n${demo.stdout()}\n${demo.stderr()}`);
    assert.match(demo.stdout(), /Summary after \d+:\d\d:\n {2}load generator \(traffic\): [1-9]\d* requests sent/);
    assert.match(demo.stdout(), /The load generator's counts agree with the proxies' own metrics/);
    assert.match(demo.stdout(), /rollout of deploy\/api(: not reached|.*stopped at \d+:\d\d before it finished)/, 'a rollout cut short is not reported as done');
    assertNoneLeft(demo);
  });

  it('fails with the reason and stops every process it started when the control plane dies', async () => {
    demo = startDemo(['--port', '0', '--events', log]);
    await waitForOutput(demo, /The mesh is up/, 60_000);
    const controlPlane = [...demo.descendants].find((pid) => commandLine(pid).split('\0').includes('control-plane'));
    assert.ok(controlPlane !== undefined, 'the control plane is one of the demo\'s children');
    process.kill(controlPlane, 'SIGKILL');
    assert.equal(await demo.exited, 1, demo.stdout());
    assert.match(demo.stderr(), /sinew demo: the control plane exited/);
    assertNoneLeft(demo, 13);
  });

  it('starts nothing when a pod\'s address is taken, and says why', async () => {
    // web's pod IP is 127.0.71.1: its proxy's admin port is taken, as if another demo still ran.
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(4191, '127.0.71.1', resolve));
    try {
      demo = startDemo(['--port', '0', '--events', log, '--duration', '60s']);
      assert.equal(await demo.exited, 1, demo.stdout());
      assert.match(demo.stderr(), /127\.0\.71\.1:4191 is in use: is another sinew demo still running\?/);
      assert.equal(demo.descendants.size, 0);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('kills every process at once on a second SIGINT', async () => {
    demo = startDemo(['--port', '0', '--events', log]);
    await waitForOutput(demo, /Starting the mesh/, 60_000);
    const deadline = Date.now() + 30_000;
    while (demo.descendants.size < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    demo.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    demo.child.kill('SIGINT');
    assert.equal(await demo.exited, 130, demo.stderr());
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(demo.descendants.size >= 8);
    assert.deepEqual([...demo.descendants].filter(alive), []);
    assert.equal(demo.workspaces.size, 1);
    assert.deepEqual(workspacesOf(demo), [], 'the temporary directory is removed');
  });
});
