/**
 * `sinew control-plane` as a real child process, for end-to-end tests: started against a fake
 * API server's kubeconfig, its admin port read from its start-up log line.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { fold } from '../../src/streams/differ.js';
import type { SnapshotItem } from '../../src/streams/snapshot.js';
import type { ViewMessage } from '../../src/streams/view-message.js';

export const sinewBin = path.resolve('bin/sinew.js');

export interface SinewRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `sinew` CLI as a process and collects its exit code and output. */
export async function runSinew(args: readonly string[]): Promise<SinewRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [sinewBin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

export interface ControlPlaneProcess {
  readonly child: ChildProcess;
  readonly adminPort: number;
  /** The identity gRPC port, when `--components` includes identity. */
  readonly identityPort: number | undefined;
  /** The Destination gRPC port, when `--components` includes destination (the default). */
  readonly destinationPort: number | undefined;
  /** The policy gRPC port, when `--components` includes policy. */
  readonly policyPort: number | undefined;
  stderr(): string;
  /** SIGTERM and wait; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export async function startControlPlane(args: readonly string[]): Promise<ControlPlaneProcess> {
  const components = args[args.indexOf('--components') + 1];
  const withDestination = !args.includes('--components') || (components ?? '').split(',').includes('destination');
  const withPolicy = (components ?? '').split(',').includes('policy') && args.includes('--components');
  const listen = [
    ...(withDestination && !args.includes('--destination-addr') ? ['--destination-addr', '127.0.0.1:0'] : []),
    ...(withPolicy && !args.includes('--policy-addr') ? ['--policy-addr', '127.0.0.1:0'] : []),
  ];
  const child = spawn(process.execPath, [sinewBin, 'control-plane', '--admin-addr', '127.0.0.1:0', ...listen, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`control plane did not start:\n${stderr}`)), 60_000);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /control plane started[^\n]*admin=[\d.]+:(\d+)(?:[^\n]*identity=[\d.]+:(\d+))?[^\n]*\n/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`control plane exited:\n${stderr}`));
    });
  });
  const adminPort = Number(started[1]);
  const identityPort = started[2] === undefined ? undefined : Number(started[2]);
  const destination = /control plane started[^\n]*destination=[\d.]+:(\d+)/.exec(stderr);
  const destinationPort = destination === null ? undefined : Number(destination[1]);
  const policy = /control plane started[^\n]*policy=[\d.]+:(\d+)/.exec(stderr);
  const policyPort = policy === null ? undefined : Number(policy[1]);
  return {
    child, adminPort, identityPort, destinationPort, policyPort, stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function getText(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

export async function waitReady(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await getText(port, '/ready')).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('control plane never became ready');
}

/** A subscriber over the admin server's NDJSON view stream, folding what it receives. */
export class ViewStreamClient {
  readonly items = new Map<string, SnapshotItem>();
  exists = false;
  private readonly request: http.ClientRequest;

  constructor(port: number, key: string) {
    let buffered = '';
    this.request = http.get({ host: '127.0.0.1', port, path: `/views/${encodeURIComponent(key)}?watch=true` }, (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffered += chunk;
        for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
          this.apply(JSON.parse(buffered.slice(0, newline)) as ViewMessage);
          buffered = buffered.slice(newline + 1);
        }
      });
    });
    this.request.on('error', () => undefined);
  }

  private apply(message: ViewMessage): void {
    if (message.type === 'snapshot') {
      this.items.clear();
      this.exists = message.exists;
      for (const item of message.items) this.items.set(item.name, item);
    } else fold(this.items, message);
  }

  close(): void {
    this.request.destroy();
  }
}
