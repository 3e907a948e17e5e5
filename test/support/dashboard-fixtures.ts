/**
 * Helpers for the dashboard's tests: a MetricsApi that records what it answered (so a page can
 * be compared with the JSON behind it), a fixed MetricsApi and a scripted TapSource for the tests
 * of the HTTP layer, raw HTTP and WebSocket clients that send any Host and Origin, and headless
 * Chromium (Debian's /usr/bin/chromium through playwright-core).
 */
import fs from 'node:fs';
import http from 'node:http';
import { WebSocket } from 'ws';
import type { Browser } from 'playwright-core';
import type {
  EdgesQuery, EdgesResponse, MetricsApi, NamespacesResponse, RoutesQuery, RoutesResponse, StatQuery, StatResponse,
} from '../../src/viz/metrics-api-types.js';
import type { TapEvent, TapRequestBody } from '../../src/viz/tap/tap-event.js';
import type { TapSource, TapTarget } from '../../src/viz/dashboard/tap-source.js';

export type MetricsCall =
  | { readonly method: 'stat'; readonly query: StatQuery; readonly response: StatResponse }
  | { readonly method: 'routes'; readonly query: RoutesQuery; readonly response: RoutesResponse }
  | { readonly method: 'edges'; readonly query: EdgesQuery; readonly response: EdgesResponse }
  | { readonly method: 'namespaces'; readonly query: undefined; readonly response: NamespacesResponse };

export interface RecordingMetricsApi {
  readonly api: MetricsApi;
  /** The wrapped API, for a test's own queries (not recorded). */
  readonly inner: MetricsApi;
  /** Every answer given, oldest first. */
  readonly calls: MetricsCall[];
}

/** Wraps `inner`, keeping each query and the answer it got. */
export function recordingMetricsApi(inner: MetricsApi): RecordingMetricsApi {
  const calls: MetricsCall[] = [];
  const keep = <C extends MetricsCall>(call: C): C['response'] => {
    calls.push(call);
    return call.response;
  };
  return {
    calls, inner,
    api: {
      stat: async (query) => keep({ method: 'stat', query, response: await inner.stat(query) }),
      routes: async (query) => keep({ method: 'routes', query, response: await inner.routes(query) }),
      edges: async (query) => keep({ method: 'edges', query, response: await inner.edges(query) }),
      namespaces: async () => keep({ method: 'namespaces', query: undefined, response: await inner.namespaces() }),
    },
  };
}

/** A MetricsApi over fixed JSON: the stat rows of the queried resource, the other answers whatever the query. */
export function fixedMetricsApi(answers: { stat: StatResponse; routes: RoutesResponse; edges: EdgesResponse; namespaces: NamespacesResponse }): MetricsApi {
  return {
    stat: ({ resource }) => Promise.resolve({
      rows: answers.stat.rows.filter((row) => row.resource.type === resource.type && (resource.name === '' || row.resource.name === resource.name)
        && (resource.namespace === '' || row.resource.namespace === resource.namespace)),
    }),
    routes: () => Promise.resolve(answers.routes),
    edges: () => Promise.resolve(answers.edges),
    namespaces: () => Promise.resolve(answers.namespaces),
  };
}

export interface ScriptedTap {
  readonly source: TapSource;
  /** Every tap asked for, oldest first. */
  readonly requests: { target: TapTarget; body: TapRequestBody }[];
  /** Taps running now. */
  running(): number;
}

/** A TapSource that yields `events` to each tap and then waits until the tap is aborted. */
export function scriptedTap(events: readonly TapEvent[]): ScriptedTap {
  const requests: { target: TapTarget; body: TapRequestBody }[] = [];
  let running = 0;
  return {
    requests,
    running: () => running,
    source: {
      async *watch(target, body, signal) {
        requests.push({ target, body });
        running += 1;
        try {
          for (const event of events) yield event;
          await new Promise<void>((resolve) => {
            if (signal.aborted) resolve();
            signal.addEventListener('abort', () => resolve(), { once: true });
          });
        } finally {
          running -= 1;
        }
      },
    },
  };
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A request with exactly these headers (a Host of our choosing, as a rebound name would send). */
export function rawRequest(port: number, path: string, headers: Record<string, string>, method = 'GET'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method, headers, setHost: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

export type UpgradeOutcome =
  | { readonly opened: true; readonly socket: WebSocket; readonly messages: SocketMessages }
  | { readonly opened: false; readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: string };

/** The JSON messages a socket received, kept from its first frame on (frames may arrive with the upgrade's answer). */
export interface SocketMessages {
  readonly received: unknown[];
  /** Resolves once `count` messages are in, rejects after `timeoutMs`. */
  until(count: number, timeoutMs?: number): Promise<unknown[]>;
}

function socketMessages(socket: WebSocket): SocketMessages {
  const received: unknown[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    received.push(JSON.parse(String(data)));
    for (const wake of waiters.splice(0)) wake();
  });
  const until = async (count: number, timeoutMs = 10_000): Promise<unknown[]> => {
    const deadline = Date.now() + timeoutMs;
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${received.length} of ${count} messages arrived: ${JSON.stringify(received)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return received;
  };
  return { received, until };
}

/** Opens a WebSocket with these headers; resolves with the socket, or with the refusal's status and body. */
export function openSocket(port: number, path: string, headers: Record<string, string>): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    const messages = socketMessages(socket);
    socket.once('open', () => resolve({ opened: true, socket, messages }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ opened: false, status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    socket.once('error', (error) => reject(error));
  });
}

export const chromiumPath = '/usr/bin/chromium';

/** Headless Chromium, or the reason there is none (the binary is absent). */
export async function launchChromium(args: readonly string[] = []): Promise<Browser | string> {
  if (!fs.existsSync(chromiumPath)) return `${chromiumPath} is not installed (CI installs Debian's chromium)`;
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', ...args] });
}

const peer = (ip: string, port: number, metadata: Record<string, string>) => ({ ip, port, metadata });

/** The three events of one request through web's inbound proxy, as the tap server streams them. */
export function requestEvents(base: number, path: string, status = 200): TapEvent[] {
  const flow = {
    source: peer('127.0.31.1', 40000 + base, { tls: 'true', namespace: 'shop', pod: 'curl-1' }),
    destination: peer('127.0.30.1', 8080, { namespace: 'shop', pod: 'web-1', deployment: 'web' }),
    routeMeta: {}, proxyDirection: 'INBOUND' as const,
  };
  const id = { base, stream: 1 };
  return [
    { ...flow, requestInitEvent: { id, method: 'GET', scheme: 'http', authority: 'web.shop.svc.cluster.local', path } },
    { ...flow, responseInitEvent: { id, sinceRequestInit: { seconds: 0, nanos: 1_500_000 }, httpStatus: status } },
    { ...flow, responseEndEvent: { id, sinceRequestInit: { seconds: 0, nanos: 2_000_000 }, sinceResponseInit: { seconds: 0, nanos: 500_000 }, responseBytes: 42 } },
  ];
}

const stats = (successCount: number, failureCount: number, p50: number | null) => ({
  successCount, failureCount, rps: (successCount + failureCount) / 60,
  successRate: successCount + failureCount === 0 ? null : successCount / (successCount + failureCount),
  latencyMsP50: p50, latencyMsP95: p50 === null ? null : p50 * 3, latencyMsP99: p50 === null ? null : p50 * 7.5,
});

/** Answers in the shape of the metrics API's contract: two deployments in `shop`, one without traffic. */
export const sampleAnswers = {
  stat: {
    rows: [
      { resource: { type: 'deployment' as const, namespace: 'shop', name: 'curl' }, timeWindow: '1m', meshedPodCount: 1, runningPodCount: 1, failedPodCount: 0, stats: null, tcp: { openConnections: 0, readBytesTotal: 0, writeBytesTotal: 0 } },
      { resource: { type: 'deployment' as const, namespace: 'shop', name: 'web' }, timeWindow: '1m', meshedPodCount: 2, runningPodCount: 2, failedPodCount: 0, stats: stats(97, 3, 1.25), tcp: { openConnections: 4, readBytesTotal: 1200, writeBytesTotal: 3400 } },
      { resource: { type: 'pod' as const, namespace: 'shop', name: 'web-1' }, timeWindow: '1m', meshedPodCount: 1, runningPodCount: 1, failedPodCount: 0, stats: stats(50, 0, 0.5), tcp: { openConnections: 2, readBytesTotal: 600, writeBytesTotal: 1700 } },
      { resource: { type: 'pod' as const, namespace: 'shop', name: 'web-2' }, timeWindow: '1m', meshedPodCount: 1, runningPodCount: 1, failedPodCount: 0, stats: stats(47, 3, 250), tcp: { openConnections: 2, readBytesTotal: 600, writeBytesTotal: 1700 } },
      { resource: { type: 'namespace' as const, namespace: '', name: 'shop' }, timeWindow: '1m', meshedPodCount: 3, runningPodCount: 3, failedPodCount: 0, stats: stats(97, 3, 1.25), tcp: null },
    ],
  },
  routes: { tables: [{ resource: 'deployment/web', rows: [{ route: '[DEFAULT]', target: 'web.shop.svc.cluster.local:80', timeWindow: '1m', stats: stats(97, 3, 1.25) }] }] },
  edges: {
    edges: [{
      src: { type: 'deployment' as const, namespace: 'shop', name: 'curl' }, dst: { type: 'deployment' as const, namespace: 'shop', name: 'web' },
      clientId: 'curl.shop.serviceaccount.identity.linkerd.cluster.local', serverId: 'web.shop.serviceaccount.identity.linkerd.cluster.local', noIdentityMsg: '',
    }],
  },
  namespaces: { namespaces: [{ name: 'shop', meshedPodCount: 3, podCount: 3 }] },
};
