/**
 * nginx as the benchmark's reference proxy: Debian's `nginx`, installed with apt-get when it is
 * missing, run in the foreground as a child with its own configuration in a temporary directory:
 * one worker, no access log, listening on a loopback address, proxying HTTP/1.1 to one upstream
 * with a pool of idle keep-alive connections (so, like the Sinew proxies, it reuses connections to
 * the application). `stop` sends SIGQUIT (graceful), then SIGKILL after 5 s, and removes the
 * directory. Nothing is left running or listening afterwards.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface NginxProcess {
  readonly child: ChildProcess;
  readonly workerPid: number;
  readonly version: string;
  stop(): Promise<void>;
}

export class NginxUnavailableError extends Error {
  override readonly name = 'NginxUnavailableError';
}

function nginxVersion(): string | undefined {
  const probe = spawnSync('nginx', ['-v'], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
  return probe.status === 0 ? probe.stderr.trim().replace(/^nginx version: /, '') : undefined;
}

/** The installed nginx's version, installing Debian's package first when there is none. */
export function ensureNginx(log: (line: string) => void): string {
  const found = nginxVersion();
  if (found !== undefined) return found;
  log('  nginx is missing: apt-get install -y nginx');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): number | null => spawnSync('apt-get', ['install', '-y', 'nginx'], { stdio: 'ignore', timeout: 300_000, env }).status;
  if (install() !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000, env });
    if (install() !== 0) throw new NginxUnavailableError('apt-get install -y nginx failed (is this Debian, and are we root?)');
  }
  const installed = nginxVersion();
  if (installed === undefined) throw new NginxUnavailableError('nginx was installed but `nginx -v` does not run');
  return installed;
}

function config(dir: string, listen: string, upstream: string): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  upstream app {
    server ${upstream};
    keepalive 64;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
  }
  server {
    listen ${listen};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`;
}

/** A port free on `host` right now (nginx cannot be told to pick one). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function workerOf(masterPid: number): number | undefined {
  try {
    const children = fs.readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim().split(/\s+/).filter((pid) => pid !== '');
    return children.length === 1 ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

async function waitReady(child: ChildProcess, host: string, port: number, output: () => string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new NginxUnavailableError(`nginx exited:\n${output()}`);
    const worker = workerOf(child.pid as number);
    if (worker !== undefined && await connects(host, port)) return worker;
    if (Date.now() > deadline) throw new NginxUnavailableError(`nginx did not listen on ${host}:${port} within 10 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function killQuietly(pid: number | undefined): void {
  try {
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export async function startNginx(host: string, upstream: string, version: string): Promise<NginxProcess & { readonly port: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-bench-nginx-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort(host);
  fs.writeFileSync(path.join(dir, 'nginx.conf'), config(dir, `${host}:${port}`, upstream));
  const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` };
  const child = spawn('nginx', ['-p', dir, '-e', 'stderr', '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'], env });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  let workerPid: number | undefined;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        killQuietly(workerPid);
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    workerPid = await waitReady(child, host, port, () => output);
    return { child, workerPid, version, port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
