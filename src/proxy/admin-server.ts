/**
 * The proxy's admin HTTP server, at Linkerd's paths so kubelet probes, Prometheus scrapes and
 * `linkerd diagnostics` work unchanged:
 *
 * - `GET /live` 200 `live\n`; `GET /ready` 200 `ready\n` or 503 `not ready\n`;
 * - `GET /metrics` the Prometheus text `options.metrics()` renders (500 when it fails);
 * - `GET /env.json` the proxy's `LINKERD2_PROXY_*` and `SINEW_PROXY_*` variables as a JSON object
 *   (`?A&B` selects variables, null when unset or not of those prefixes; `key=value` is a 400);
 * - `GET /proxy-log-level` the log filter; `PUT` with a filter body (at most 4 KiB, else 413)
 *   replaces it: 204, or 400 naming the bad directive;
 * - `POST /shutdown` 200 `shutdown\n`, then `options.shutdown()`; 404 unless `shutdownEnabled`.
 *
 * `/proxy-log-level` and `/shutdown` answer 403 to any caller whose address is not loopback
 * (127.0.0.0/8, ::1, ::ffff:127.x.y.z); a Unix-socket caller has no address and is refused too.
 * Other paths 404; other methods 405 with `allow`. A failing callback is a 500, never a crash.
 * `close()` stops listening, drops open connections and resolves once; calling it again is a no-op.
 */
import http from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../observe/logger.js';
import { hostPortText, type HostPort } from './host-port.js';
import { LogFilterError, type LogLevelSetting } from './log-level.js';

export interface ProxyAdminOptions {
  readonly listen: HostPort;
  readonly ready: () => boolean;
  readonly metrics: () => Promise<string>;
  /** The proxy's environment; only its `LINKERD2_PROXY_*` and `SINEW_PROXY_*` variables are shown. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logLevel: LogLevelSetting;
  readonly shutdownEnabled: boolean;
  /** Called after the `/shutdown` response is sent. */
  readonly shutdown: () => void;
  readonly log?: Logger;
}

export interface RunningAdmin {
  readonly port: number;
  close(): Promise<void>;
}

export class AdminListenError extends Error {
  override readonly name = 'AdminListenError';
}

/** The largest `/proxy-log-level` PUT body read, in bytes. */
export const maxLogLevelBody = 4096;

/** Whether `address` (as a socket reports it) is a loopback address; false for undefined or garbage. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const version = isIP(address);
  if (version === 4) return address.startsWith('127.');
  if (version !== 6) return false;
  const canonical = new URL(`http://[${address}]/`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

interface Reply {
  readonly status: number;
  readonly body?: string;
  readonly type?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Runs once the response is sent. */
  readonly after?: () => void;
}

const text = (status: number, body: string, headers?: Record<string, string>): Reply => ({ status, body, type: 'text/plain', headers });
const forbidden = text(403, 'only callers on localhost may use this endpoint\n');
const envPrefixes = ['LINKERD2_PROXY_', 'SINEW_PROXY_'];

function methodIs(req: http.IncomingMessage, allowed: readonly string[]): Reply | undefined {
  return allowed.includes(req.method ?? '') ? undefined : { status: 405, headers: { allow: allowed.join(', ') } };
}

function envJson(env: ProxyAdminOptions['env'], search: string): Reply {
  const shown = (name: string) => envPrefixes.some((prefix) => name.startsWith(prefix));
  const json = (value: unknown, status = 200): Reply => ({ status, body: JSON.stringify(value), type: 'application/json' });
  if (search.length <= 1) {
    const all = Object.fromEntries(Object.entries(env).filter(([name, value]) => shown(name) && value !== undefined).sort());
    return json(all);
  }
  const names = search.slice(1).split('&').filter((name) => name !== '');
  if (names.some((name) => name.includes('='))) return json({ error: 'env.json query parameters are variable names, not key=value pairs' }, 400);
  let decoded: string[];
  try { decoded = names.map((name) => decodeURIComponent(name)); } catch { return json({ error: 'env.json query is not valid percent-encoding' }, 400); }
  return json(Object.fromEntries(decoded.map((name) => [name, shown(name) ? env[name] ?? null : null])));
}

/** The body, or undefined when it is longer than `limit` bytes. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) { req.pause(); resolve(undefined); } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function logLevel(req: http.IncomingMessage, options: ProxyAdminOptions, log: Logger): Promise<Reply> {
  if (!isLoopback(req.socket.remoteAddress)) return forbidden;
  const wrong = methodIs(req, ['GET', 'HEAD', 'PUT']);
  if (wrong !== undefined) return wrong;
  if (req.method !== 'PUT') return text(200, options.logLevel.get());
  const body = await readBody(req, maxLogLevelBody);
  if (body === undefined) return text(413, `a log filter is at most ${maxLogLevelBody} bytes\n`, { connection: 'close' });
  let filter: string;
  try { filter = new TextDecoder('utf-8', { fatal: true }).decode(body); } catch { return text(400, 'the log filter is not UTF-8\n'); }
  try {
    options.logLevel.set(filter);
  } catch (error) {
    if (error instanceof LogFilterError) return text(400, `${error.message}\n`);
    throw error;
  }
  log.info('set new log level', { level: options.logLevel.get() });
  return { status: 204 };
}

function shutdown(req: http.IncomingMessage, options: ProxyAdminOptions, log: Logger): Reply {
  if (!options.shutdownEnabled) return text(404, 'the shutdown endpoint is disabled\n');
  const wrong = methodIs(req, ['POST']);
  if (wrong !== undefined) return wrong;
  if (!isLoopback(req.socket.remoteAddress)) return forbidden;
  log.info('shutdown requested through the admin server');
  return { ...text(200, 'shutdown\n'), after: options.shutdown };
}

async function metrics(options: ProxyAdminOptions, log: Logger): Promise<Reply> {
  try {
    return { status: 200, body: await options.metrics(), type: 'text/plain; version=0.0.4' };
  } catch (error) {
    log.error('failed to render metrics', { error: String(error) });
    return text(500, 'metrics are unavailable\n');
  }
}

async function answer(req: http.IncomingMessage, options: ProxyAdminOptions, log: Logger): Promise<Reply> {
  let url: URL;
  try { url = new URL(req.url ?? '/', 'http://admin'); } catch { return text(400, 'bad request target\n'); }
  const get = ['GET', 'HEAD'];
  switch (url.pathname) {
    case '/live': return methodIs(req, get) ?? text(200, 'live\n');
    case '/ready': return methodIs(req, get) ?? (options.ready() ? text(200, 'ready\n') : text(503, 'not ready\n'));
    case '/metrics': return methodIs(req, get) ?? await metrics(options, log);
    case '/env.json': return methodIs(req, get) ?? envJson(options.env, url.search);
    case '/proxy-log-level': return logLevel(req, options, log);
    case '/shutdown': return shutdown(req, options, log);
    default: return text(404, 'not found\n');
  }
}

function send(res: http.ServerResponse, reply: Reply, log: Logger): void {
  const body = reply.body ?? '';
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.status !== 204) headers['content-length'] = Buffer.byteLength(body);
  if (reply.type !== undefined) headers['content-type'] = reply.type;
  res.writeHead(reply.status, headers);
  res.end(reply.status === 204 ? undefined : body, () => {
    try { reply.after?.(); } catch (error) { log.error('admin action failed', { error: String(error) }); }
  });
}

/** Serves the admin endpoints on `options.listen` (port 0 picks one). */
export function startProxyAdmin(options: ProxyAdminOptions): Promise<RunningAdmin> {
  const log = options.log ?? silentLogger;
  const server = http.createServer({ requestTimeout: 30_000 }, (req, res) => {
    answer(req, options, log).then((reply) => send(res, reply, log), (error: unknown) => {
      log.error('admin request failed', { path: req.url, error: String(error) });
      if (!res.headersSent) send(res, text(500, 'internal error\n'), log);
      else res.destroy();
    });
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new AdminListenError(`admin server cannot listen on ${hostPortText(options.listen)}: ${error.message}`)));
    server.listen(options.listen.port, options.listen.host, () => {
      server.removeAllListeners('error');
      server.on('error', (error) => log.error('admin server error', { error: error.message }));
      resolve({ port: (server.address() as AddressInfo).port, close });
    });
  });
}
