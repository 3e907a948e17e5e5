/**
 * A demo pod's application, run as its own process: `node demo-app.js '<AppConfig JSON>'`.
 *
 * - serve: answers every request 200 with its pod's name (and `/ready` for the probe).
 * - relay: answers with what the Services it calls answered, reached through its pod's proxy:
 *   200 when every one answered 2xx, else 502 naming the Service and its status.
 * - load: sends requests to each target at its fixed rate through its pod's proxy, at most 256 in
 *   flight, and prints a LoadReport line every `reportMs`; on SIGTERM or SIGINT it stops sending,
 *   waits (at most 10 s) for what is in flight, prints a final report and exits 0.
 *
 * Every request has a 10 s deadline; a failure is counted, never thrown. The process exits when
 * its parent (the demo) goes away, so a demo killed without notice leaves no application behind.
 * Node's own modules only: a dozen of these start at once.
 */
import http from 'node:http';
import { type AppConfig, AppConfigError, type CallTarget, type LoadReport, type LoadTarget, parseAppConfig, type TargetCounts } from './app-config.js';

const deadlineMs = 10_000;
const maxInFlight = 256;

interface Answer {
  readonly status: number;
  readonly body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function call(target: CallTarget): Promise<Answer> {
  return new Promise((resolve) => {
    // From the pod's own address, as an application in the pod's network namespace would connect.
    const request = http.get({ host: target.host, port: target.port, localAddress: target.host, path: target.path, agent, timeout: deadlineMs, headers: { host: target.authority } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { if (body.length < 512) body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', (error) => resolve({ status: 0, body: error.message }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${deadlineMs} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, body: error.code ?? error.message }));
  });
}

/** Serves `handler`; on SIGTERM or SIGINT stops accepting, lets requests in flight finish (at most 5 s) and exits 0. */
function listen(config: { readonly listen: { host: string; port: number } }, handler: (request: http.IncomingMessage) => Promise<Answer>): void {
  const server = http.createServer((request, response) => {
    request.resume();
    handler(request).then((answer) => {
      response.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(answer.body);
    }, (error: unknown) => {
      response.writeHead(500);
      response.end((error as Error).message);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(config.listen.port, config.listen.host);
  server.on('error', (error) => {
    process.stderr.write(`cannot listen on ${config.listen.host}:${config.listen.port}: ${error.message}\n`);
    process.exit(1);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function serve(config: Extract<AppConfig, { role: 'serve' }>): void {
  listen(config, async (request) => {
    const client = request.headers['l5d-client-id'];
    return { status: 200, body: `${config.name}${typeof client === 'string' ? ` (called by ${client})` : ''}\n` };
  });
}

function relay(config: Extract<AppConfig, { role: 'relay' }>): void {
  listen(config, async (request) => {
    if (request.url === '/ready') return { status: 200, body: 'ready\n' };
    const parts = [config.name];
    for (const target of config.downstream) {
      const answer = await call(target);
      if (answer.status < 200 || answer.status > 299) {
        process.stderr.write(`${new Date().toISOString()} ${target.service} answered ${answer.status || 'nothing'}: ${answer.body.trim()}\n`);
        return { status: 502, body: `${target.service} answered ${answer.status || 'nothing'}: ${answer.body.trim()}\n` };
      }
      parts.push(answer.body.trim());
    }
    return { status: 200, body: `${parts.join(' → ')}\n` };
  });
}

interface MutableCounts {
  sent: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  lastFailure?: string;
}

function load(config: Extract<AppConfig, { role: 'load' }>): void {
  const counts = new Map<string, MutableCounts>(config.targets.map((target) => [target.service, { sent: 0, ok: 0, failed: 0, statuses: {} }]));
  const started = Date.now();
  let inFlight = 0;
  let stopping = false;
  const report = (final: boolean): void => {
    const targets: Record<string, TargetCounts> = Object.fromEntries(counts);
    const line: LoadReport = { elapsedMs: Date.now() - started, targets, final };
    process.stdout.write(JSON.stringify(line) + '\n');
  };
  const send = (target: LoadTarget, tally: MutableCounts): void => {
    tally.sent += 1;
    inFlight += 1;
    void call(target).then((answer) => {
      inFlight -= 1;
      const key = answer.status === 0 ? 'error' : String(answer.status);
      tally.statuses[key] = (tally.statuses[key] ?? 0) + 1;
      if (answer.status >= 200 && answer.status <= 299) tally.ok += 1;
      else {
        tally.failed += 1;
        tally.lastFailure = `${key} ${answer.body.trim().slice(0, 200)}`;
        process.stderr.write(`${new Date().toISOString()} ${target.service}: ${tally.lastFailure}\n`);
      }
    });
  };
  const tick = setInterval(() => {
    const elapsedS = (Date.now() - started) / 1000;
    for (const target of config.targets) {
      const tally = counts.get(target.service) as MutableCounts;
      const due = Math.floor(elapsedS * target.rps) + 1 - tally.sent;
      for (let i = 0; i < due && inFlight < maxInFlight; i += 1) send(target, tally);
    }
  }, 10);
  const reporter = setInterval(() => report(false), config.reportMs);
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(tick);
    clearInterval(reporter);
    const until = Date.now() + deadlineMs;
    const wait = setInterval(() => {
      if (inFlight > 0 && Date.now() < until) return;
      clearInterval(wait);
      report(true);
      process.exit(0);
    }, 20);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Exits once the demo that started this process is gone (the process is handed to another parent). */
function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1_000).unref();
}

function main(): void {
  let config: AppConfig;
  try {
    config = parseAppConfig(process.argv[2]);
  } catch (error) {
    if (!(error instanceof AppConfigError)) throw error;
    process.stderr.write(`demo-app: ${error.message}\n`);
    process.exit(2);
  }
  exitWithParent();
  if (config.role === 'serve') serve(config);
  else if (config.role === 'relay') relay(config);
  else load(config);
}

main();
