/**
 * The application behind every path of the proxy benchmark: a plain Node HTTP/1.1 server in its
 * own process (so it never shares an event loop with the load generator), answering every request
 * with 200 and the same 64-byte body, keeping idle connections for two minutes. `startApp` runs it
 * as a child and resolves once it listens; `stop` ends it and waits for its exit.
 *
 * Run directly: `node dist/bench/proxy-app.js HOST PORT` listens and prints `listening`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { isEntryPoint } from './child-process.js';

export interface AppProcess {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

const body = Buffer.from('x'.repeat(63) + '\n');

function serve(host: string, port: number): void {
  const server = http.createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    response.end(body);
  });
  server.keepAliveTimeout = 120_000;
  server.listen(port, host, () => process.stdout.write('listening\n'));
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

export async function startApp(host: string, port: number): Promise<AppProcess> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), host, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the benchmark app did not start:\n${output}`)), 10_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the benchmark app exited:\n${output}`));
    });
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

if (isEntryPoint(import.meta.url)) serve(process.argv[2] ?? '127.0.0.1', Number(process.argv[3] ?? 8080));
