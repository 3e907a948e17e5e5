/**
 * Pods as network namespaces, for end-to-end tests of the transparent mesh: a "node" namespace
 * holds a bridge (10.251.0.1/24) that every pod's veth joins; each pod (10.251.0.1N/24) runs its
 * application, `sinew proxy-init` with the flags injection writes, and `sinew proxy` as uid 2102.
 * The control plane runs outside the pods, in this process's namespace, behind the proxies of its
 * own two pods (as on a cluster), reached over one more veth pair (10.251.255.1 here, 10.251.255.2
 * in the node namespace) and a route to the pods' /24.
 *
 * Every address is inside namespaces the test creates: nothing is sent to any other network.
 * `teardown()` kills every process and deletes every namespace it made (which removes the veths
 * and the route), whatever state the setup reached.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultProxyConfig } from '../../src/inject/proxy-config.js';
import { proxyInitArgs } from '../../src/inject/sidecar.js';
import { sinewBin } from './control-plane-process.js';
import { meshNamespace, type MeshWorld, type ProxyProcess, startMeshWorld, startProxyProcess } from './mesh-world.js';
import { meshedPod } from './policy-objects.js';

export const hostAddress = '10.251.255.1';
const nodeSideAddress = '10.251.255.2';
export const podSubnet = '10.251.0.0/24';
export const podIpOf = (index: number): string => `10.251.0.${10 + index}`;
export const proxyUid = 2102;

const podApp = fileURLToPath(new URL('./pod-app.js', import.meta.url));

/** The control plane's own pods, whose proxies publish its servers on `hostAddress`. */
const controlPlanePods = [
  { name: 'linkerd-destination-0', ip: '127.0.50.1', serviceAccount: 'linkerd-destination', serves: [[8086, 'destination'], [8090, 'policy']] },
  { name: 'linkerd-identity-0', ip: '127.0.50.2', serviceAccount: 'linkerd-identity', serves: [[8080, 'identity']] },
] as const;

export interface NetnsPodSpec {
  readonly name: string;
  readonly serviceAccount: string;
  /** Its place on the bridge: the pod's IP is 10.251.0.(10 + index). */
  readonly index: number;
  /** Ports its application listens on. */
  readonly appPorts: readonly number[];
}

export interface NetnsPod extends NetnsPodSpec {
  readonly netns: string;
  readonly ip: string;
}

function run(command: string, args: readonly string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim() };
}

function must(command: string, args: readonly string[]): string {
  const result = run(command, args);
  if (!result.ok) throw new Error(`${command} ${args.join(' ')} failed: ${result.output}`);
  return result.output;
}

/** Why these tests cannot run here, or undefined when they can. */
export function whyNoNetns(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces, veth pairs and iptables need root';
  for (const [tool, args] of [['ip', ['-V']], ['iptables-legacy', ['--version']], ['setpriv', ['--version']], ['nsenter', ['--version']]] as const) {
    const found = run(tool, args);
    if (!found.ok) return `${tool} is not usable (${found.output}); install the iptables, iproute2 and util-linux packages`;
  }
  return undefined;
}

/**
 * Skips the suite (printing why) when network namespaces cannot be used here, or fails it when
 * the run requires them: CI sets SINEW_REQUIRE_NETNS=1, so these tests never silently skip there.
 */
export function skipWithoutNetns(context: Mocha.Context, suite: string): void {
  const why = whyNoNetns();
  if (why === undefined) return;
  if (process.env.SINEW_REQUIRE_NETNS === '1') throw new Error(`${suite} must run here (SINEW_REQUIRE_NETNS=1) but cannot: ${why}`);
  console.log(`      skipping ${suite}: ${why}`);
  context.skip();
}

/** GET http://host:port/path from this process; resolves with the status and body (status 0 when unreachable). */
export function fetchText(host: string, port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host, port, path: urlPath, agent: false, timeout: 5_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve({ status: 0, body: '' }));
  });
}

export class NetnsWorld {
  readonly id = process.pid % 10_000;
  readonly nodeNetns = `sinew-${this.id}-node`;
  readonly pods: NetnsPod[] = [];
  world: MeshWorld | undefined;
  private readonly frontProxies: ProxyProcess[] = [];
  private readonly namespaces: string[] = [];
  private readonly children: { name: string; child: ChildProcess; output: () => string }[] = [];

  /** The bridge, the host link and one namespace per pod, each with its address and default route. */
  buildNetwork(specs: readonly NetnsPodSpec[]): void {
    const node = this.nodeNetns;
    this.addNamespace(node);
    must('ip', ['-n', node, 'link', 'add', 'br0', 'type', 'bridge']);
    must('ip', ['-n', node, 'addr', 'add', '10.251.0.1/24', 'dev', 'br0']);
    must('ip', ['-n', node, 'link', 'set', 'br0', 'up']);
    must('ip', ['netns', 'exec', node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const host = `sw${this.id}h`;
    must('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', node]);
    must('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', host]);
    must('ip', ['link', 'set', host, 'up']);
    must('ip', ['-n', node, 'addr', 'add', `${nodeSideAddress}/30`, 'dev', 'uplink']);
    must('ip', ['-n', node, 'link', 'set', 'uplink', 'up']);
    must('ip', ['route', 'add', podSubnet, 'via', nodeSideAddress, 'dev', host]);
    for (const spec of specs) {
      const pod: NetnsPod = { ...spec, netns: `sinew-${this.id}-${spec.name}`, ip: podIpOf(spec.index) };
      this.addNamespace(pod.netns);
      const port = `sw${this.id}p${spec.index}`;
      must('ip', ['-n', node, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.netns]);
      must('ip', ['-n', node, 'link', 'set', port, 'master', 'br0', 'up']);
      must('ip', ['-n', pod.netns, 'addr', 'add', `${pod.ip}/24`, 'dev', 'eth0']);
      must('ip', ['-n', pod.netns, 'link', 'set', 'eth0', 'up']);
      must('ip', ['-n', pod.netns, 'route', 'add', 'default', 'via', '10.251.0.1']);
      this.pods.push(pod);
    }
  }

  private addNamespace(name: string): void {
    if (run('ip', ['netns', 'list']).output.split('\n').some((line) => line.split(' ')[0] === name)) this.deleteNamespace(name);
    must('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  }

  private deleteNamespace(name: string): void {
    const pids = run('ip', ['netns', 'pids', name]).output.split('\n').filter((pid) => /^\d+$/.test(pid));
    for (const pid of pids) run('kill', ['-9', pid]);
    run('ip', ['netns', 'del', name]);
  }

  /**
   * The control plane, outside the pods, replaying `objects` plus its own two pods. As on a
   * cluster, its servers listen on loopback and are reached through their pods' proxies, which
   * terminate the TLS the pods' proxies open: the destination pod's proxy answers for
   * `hostAddress`:8086 (destination) and :8090 (policy), the identity pod's for :8080.
   */
  async startControlPlane(objects: readonly Record<string, unknown>[], serviceAccounts: readonly string[]): Promise<MeshWorld> {
    const world = await startMeshWorld([...objects, ...controlPlanePods.map((pod) => meshedPod('linkerd', pod.name, { ip: pod.ip, serviceAccount: pod.serviceAccount }))]);
    this.world = world;
    // The proxies run as uid 2102 and read their token files from the world's directory.
    fs.chmodSync(world.dir, 0o755);
    const token = (namespace: string, sa: string): string => {
      world.api.addServiceAccountToken(`token-${namespace}-${sa}`, namespace, sa, ['identity.l5d.io']);
      const file = path.join(world.dir, `token-${namespace}-${sa}`);
      fs.writeFileSync(file, `token-${namespace}-${sa}`, { mode: 0o644 });
      return file;
    };
    for (const sa of serviceAccounts) token(meshNamespace, sa);
    const ports = { destination: world.controlPlane.destinationPort, policy: world.controlPlane.policyPort, identity: world.controlPlane.identityPort };
    for (const pod of controlPlanePods) {
      const serves = pod.serves.map(([published, component]) => [published, ports[component] as number] as const);
      const env = world.proxyEnv({ name: pod.name, ip: pod.ip, serviceAccount: pod.serviceAccount }, {
        LINKERD2_PROXY_IDENTITY_LOCAL_NAME: `${pod.serviceAccount}.linkerd.serviceaccount.identity.linkerd.cluster.local`,
        LINKERD2_PROXY_IDENTITY_TOKEN_FILE: token('linkerd', pod.serviceAccount),
        LINKERD2_PROXY_DESTINATION_CONTEXT: JSON.stringify({ ns: 'linkerd', nodeName: 'node-1', pod: pod.name }),
        LINKERD2_PROXY_POLICY_WORKLOAD: JSON.stringify({ ns: 'linkerd', pod: pod.name }),
        LINKERD2_PROXY_INBOUND_PORTS: serves.map(([, port]) => port).join(','),
        SINEW_PROXY_ORIGINAL_DST_MAP: serves.map(([published, port]) => `inbound:${hostAddress}:${published}=${hostAddress}:${port}`).join(','),
        SINEW_PROXY_INBOUND_FORWARD_HOST: '127.0.0.1',
      });
      this.frontProxies.push(await startProxyProcess(env));
    }
    return world;
  }

  /** The environment of a pod's proxy: Linkerd's listeners, the control plane through its proxies. */
  podProxyEnv(pod: NetnsPod): Record<string, string> {
    if (this.world === undefined) throw new Error('start the control plane first');
    const env = this.world.proxyEnv({ name: pod.name, ip: pod.ip, serviceAccount: pod.serviceAccount }, {
      LINKERD2_PROXY_ADMIN_LISTEN_ADDR: '0.0.0.0:4191',
      LINKERD2_PROXY_INBOUND_LISTEN_ADDR: '0.0.0.0:4143',
      LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: '127.0.0.1:4140',
      LINKERD2_PROXY_CONTROL_LISTEN_ADDR: '0.0.0.0:4190',
      LINKERD2_PROXY_INBOUND_PORTS: pod.appPorts.join(','),
      LINKERD2_PROXY_DESTINATION_SVC_ADDR: `${hostAddress}:8086`,
      LINKERD2_PROXY_POLICY_SVC_ADDR: `${hostAddress}:8090`,
      LINKERD2_PROXY_IDENTITY_SVC_ADDR: `${hostAddress}:8080`,
      LINKERD2_PROXY_IDENTITY_TOKEN_FILE: path.join(this.world.dir, `token-${meshNamespace}-${pod.serviceAccount}`),
    });
    // Real iptables replace the static map, and the inbound proxy forwards to the pod's loopback.
    delete env.SINEW_PROXY_OUTBOUND_BIND_HOST;
    delete env.SINEW_PROXY_INBOUND_FORWARD_HOST;
    return env;
  }

  /** `sinew proxy-init` in the pod with the arguments injection writes for the default proxy, plus `extra`. */
  proxyInit(pod: NetnsPod, extra: readonly string[] = []): string {
    return must('ip', ['netns', 'exec', pod.netns, process.execPath, sinewBin, 'proxy-init', ...proxyInitArgs(defaultProxyConfig()), ...extra]);
  }

  /** The iptables-save output of the pod's nat table, without comments and counters. */
  natRules(pod: NetnsPod, save = 'iptables-legacy-save'): string {
    return must('ip', ['netns', 'exec', pod.netns, save, '-t', 'nat']).split('\n')
      .filter((line) => !line.startsWith('#')).map((line) => line.replace(/\[\d+:\d+\]/, '')).join('\n');
  }

  private spawnIn(pod: NetnsPod, name: string, argv: readonly string[], env: Record<string, string>): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', pod.netns, ...argv], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    this.children.push({ name: `${pod.name}/${name}`, child, output: () => output });
    return child;
  }

  /** What a process printed so far (for failure messages). */
  output(pod: NetnsPod, name: string): string {
    return this.children.find((entry) => entry.name === `${pod.name}/${name}`)?.output() ?? '';
  }

  startApp(pod: NetnsPod): void {
    this.spawnIn(pod, 'app', [process.execPath, podApp, 'serve', pod.name, ...pod.appPorts.map(String)], {});
  }

  /** `sinew proxy` as uid 2102 with the pod's Linkerd environment; resolves once its /ready answers 200. */
  async startProxy(pod: NetnsPod, env: Record<string, string>): Promise<void> {
    this.spawnIn(pod, 'proxy', ['setpriv', `--reuid=${proxyUid}`, `--regid=${proxyUid}`, '--clear-groups', process.execPath, sinewBin, 'proxy'], env);
    const deadline = Date.now() + 30_000;
    while ((await fetchText(pod.ip, 4191, '/ready')).status !== 200) {
      if (Date.now() > deadline) throw new Error(`the proxy of ${pod.name} never became ready:\n${this.output(pod, 'proxy')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** One GET by the pod's application (a process in the pod's namespace, not the proxy's user). */
  get(pod: NetnsPod, url: string): Promise<{ status?: number; body?: string; error?: string }> {
    // Asynchronous: the fake API server (TokenReview) runs in this process and must keep answering.
    return new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', pod.netns, process.execPath, podApp, 'get', url], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
      child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`GET ${url} from ${pod.name} exited ${String(code)}: ${out}`));
        else resolve(JSON.parse(out) as { status?: number; body?: string; error?: string });
      });
    });
  }

  async teardown(): Promise<void> {
    for (const { child } of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const name of [...this.namespaces].reverse()) this.deleteNamespace(name);
    for (const proxy of this.frontProxies) await proxy.kill();
    if (this.world !== undefined) await this.world.close();
  }
}
