/**
 * The mesh world (mesh-world.ts) set up for tap: its pods carry a `linkerd-proxy` container and
 * the injector's `linkerd.io/proxy-deployment` label (so viz's inventory sees them meshed and
 * owned), every proxy is told the tap service's identity (LINKERD2_PROXY_TAP_SVC_NAME), and the
 * fake API server knows a token for the `tap` service account of `linkerd-viz`, so the tap server
 * (or a test) can get the tap identity from the real identity service.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import type { LocalIdentity } from '../../src/proxy/local-identity.js';
import { startIdentityClient } from '../../src/proxy/identity-client.js';
import { silentLogger } from '../../src/observe/logger.js';
import {
  curlPodIp, curlProxyMap, meshObjects, type MeshWorld, type ProxyProcess, startMeshWorld, startProxyProcess, webAppIp, webPodIp, webProxyMap,
  writeEventLog,
} from './mesh-world.js';
import { type RunningApp, startWebApps } from './mesh-apps.js';
import { sinewBin } from './control-plane-process.js';

export const vizNamespace = 'linkerd-viz';
export const identitySuffix = 'serviceaccount.identity.linkerd.cluster.local';
export const tapIdentity = `tap.${vizNamespace}.${identitySuffix}`;
export const tapPort = 4190;

/** The mesh world's objects, with each pod meshed and owned by a deployment named after its app. */
export function tapMeshObjects(webPods: readonly number[]): Record<string, unknown>[] {
  return meshObjects(webPods).map((object) => {
    if (object.kind !== 'Pod') return object;
    const metadata = object.metadata as { labels: Record<string, string> };
    const spec = object.spec as { containers: Record<string, unknown>[] };
    return {
      ...object,
      metadata: { ...metadata, labels: { ...metadata.labels, 'linkerd.io/proxy-deployment': metadata.labels.app ?? '' } },
      spec: { ...spec, containers: [...spec.containers, { name: 'linkerd-proxy', image: 'sinew', ports: [{ name: 'linkerd-admin', containerPort: 4191 }] }] },
    };
  });
}

export interface TapWorld {
  readonly world: MeshWorld;
  readonly web: ReadonlyMap<number, ProxyProcess>;
  readonly curl: ProxyProcess;
  /** The event log of the world's objects, for a tap server's `--source replay:FILE`. */
  readonly eventLog: string;
  /** A token file for `sa` in `namespace` (registered with the fake API server on first use). */
  tokenFile(namespace: string, sa: string): string;
  /** Runs `sinew viz tap-server` for this world with the identity of `sa` in `namespace` (default: the tap service's), until /ready. */
  startTapServer(identity?: { namespace: string; sa: string }): Promise<TapServerProcess>;
  /** A certificate for `sa` in `namespace` from the real identity service. */
  certify(namespace: string, sa: string): Promise<LocalIdentity>;
  close(): Promise<void>;
}

export interface TapServerProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  stderr(): string;
  kill(): Promise<void>;
}

function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

async function spawnTapServer(args: readonly string[]): Promise<TapServerProcess> {
  const child = spawn(process.execPath, [sinewBin, 'viz', 'tap-server', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => { stderr += chunk; });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tap server did not start:\n${stderr}`)), 20_000);
      child.stderr?.on('data', () => {
        const match = /tap server started[^\n]*addr=[^\s]*:(\d+)/.exec(stderr);
        if (match !== null) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`tap server exited:\n${stderr}`));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    while ((await getStatus(`${url}/ready`)) !== 200) {
      if (Date.now() > deadline) throw new Error(`tap server never became ready:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { child, url, stderr: () => stderr, kill };
  } catch (error) {
    await kill();
    throw error;
  }
}

export async function startTapWorld(webPods: readonly number[], proxyExtra: Record<string, string> = {}): Promise<TapWorld> {
  const objects = tapMeshObjects(webPods);
  const world = await startMeshWorld(objects);
  const apps: RunningApp[] = [];
  const web = new Map<number, ProxyProcess>();
  let curl: ProxyProcess | undefined;
  const extra = { LINKERD2_PROXY_TAP_SVC_NAME: tapIdentity, ...proxyExtra };
  const servers: TapServerProcess[] = [];
  const close = async (): Promise<void> => {
    for (const server of servers) await server.kill();
    await curl?.kill();
    for (const proxy of web.values()) await proxy.kill();
    for (const app of apps) await app.close();
    await world.close();
  };
  try {
    for (const n of webPods) {
      apps.push(await startWebApps(webAppIp(n), `web-${n}`));
      web.set(n, await startProxyProcess(world.proxyEnv({ name: `web-${n}`, ip: webPodIp(n), serviceAccount: 'web' }, { SINEW_PROXY_ORIGINAL_DST_MAP: webProxyMap(n), ...extra })));
    }
    curl = await startProxyProcess(world.proxyEnv({ name: 'curl-1', ip: curlPodIp, serviceAccount: 'curl' }, { SINEW_PROXY_ORIGINAL_DST_MAP: curlProxyMap(), ...extra }));
  } catch (error) {
    await close();
    throw error;
  }
  if (curl === undefined) throw new Error('tap world: the curl proxy did not start');
  const curlProxy = curl;
  const eventLog = path.join(world.dir, 'tap-events.jsonl');
  writeEventLog(eventLog, objects);
  const tokenFile = (namespace: string, sa: string): string => {
    const file = path.join(world.dir, `token-${namespace}-${sa}`);
    if (!fs.existsSync(file)) {
      world.api.addServiceAccountToken(`token-${namespace}-${sa}`, namespace, sa, ['identity.l5d.io']);
      fs.writeFileSync(file, `token-${namespace}-${sa}`);
    }
    return file;
  };
  return {
    world, web, curl: curlProxy, eventLog, tokenFile,
    startTapServer: async (identity = { namespace: vizNamespace, sa: 'tap' }) => {
      const anchors = path.join(world.dir, 'tap-anchors.pem');
      fs.writeFileSync(anchors, world.trustAnchorsPem);
      const server = await spawnTapServer([
        '--addr', '127.0.0.1:0', '--source', `replay:${eventLog}`, '--identity-addr', `127.0.0.1:${world.controlPlane.identityPort ?? 0}`,
        '--identity-name', `${identity.sa}.${identity.namespace}.${identitySuffix}`, '--trust-anchors-file', anchors,
        '--token-file', tokenFile(identity.namespace, identity.sa),
      ]);
      servers.push(server);
      return server;
    },
    certify: async (namespace, sa) => {
      const client = startIdentityClient({
        addr: { host: '127.0.0.1', port: world.controlPlane.identityPort ?? 0 }, serverName: undefined, trustAnchorsPem: world.trustAnchorsPem,
        localName: `${sa}.${namespace}.${identitySuffix}`, tokenFile: tokenFile(namespace, sa), log: silentLogger,
      });
      try {
        return await firstValueFrom(client.updates.pipe(filter((identity): identity is LocalIdentity => identity !== undefined)));
      } finally {
        client.close();
      }
    },
    close,
  };
}
