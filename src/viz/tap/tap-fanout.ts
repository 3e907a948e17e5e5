/**
 * One tap over many pods: an `Observe` call to each pod's proxy, their events merged into one
 * output, as Linkerd's tap server does it.
 *
 * Rate: `maxRps` is shared evenly by the pods (at least 1 each); each pod is asked for at most
 * that many requests per one-second window (the call's `limit`), and a call that ends before its
 * window does is followed by the next one only when the window is over.
 *
 * Contract:
 *  - Events are written in the order each pod sent them; pods interleave.
 *  - Bounded: when `out.write` answers false, every call is paused (gRPC flow control then holds
 *    the proxies back) until `out` drains; nothing else is buffered here.
 *  - `limit`: after that many requests, no request is started and only the events of the requests
 *    already written are; the tap ends once each of them has ended (or 10 s later).
 *  - A pod whose proxy refuses or breaks the call is not asked again (its error is reported once
 *    through `onPodError`); the tap ends when every pod has stopped, at the limit, or on `signal`,
 *    which cancels every call. `run` never rejects.
 */
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import type { ObserveRequest } from '../../gen/proto/io/linkerd/proxy/tap/ObserveRequest.js';
import type { TapEvent__Output } from '../../gen/proto/io/linkerd/proxy/tap/TapEvent.js';
import type { LocalIdentity } from '../../proxy/local-identity.js';
import { proxyTapClient, type ProxyTapClient } from './proxy-tap-client.js';
import type { TapEvent } from './tap-event.js';
import { type PodByIp, tapEventJson } from './tap-event-json.js';
import type { Match } from './tap-query.js';

export interface TapPod {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  /** The identity its proxy must prove. */
  readonly identity: string;
}

export interface TapOutput {
  /** False: stop until `once('drain')`. */
  write(event: TapEvent): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface TapFanoutOptions {
  readonly pods: readonly TapPod[];
  readonly match: Match;
  readonly maxRps: number;
  readonly limit: number | undefined;
  readonly extractHeaders: boolean;
  readonly identity: LocalIdentity;
  readonly podByIp: PodByIp;
  readonly out: TapOutput;
  readonly signal: AbortSignal;
  readonly onPodError: (pod: TapPod, error: ServiceError) => void;
  /** Called once per pod, with its first event. */
  readonly onPodStreaming?: (pod: TapPod) => void;
  /** The window length (default 1 s); tests shorten it. */
  readonly windowMs?: number;
}

const lastRequestsGraceMs = 10_000;

interface FanoutState {
  readonly options: TapFanoutOptions;
  readonly calls: Set<ClientReadableStream<TapEvent__Output>>;
  /** Requests written and not yet ended, by `pod base:stream`. */
  readonly open: Set<string>;
  /** The pods that sent an event already. */
  readonly streaming: Set<TapPod>;
  started: number;
  paused: boolean;
  readonly finish: () => void;
}

function idOf(event: TapEvent): { base: number; stream: number } | undefined {
  return (event.requestInitEvent ?? event.responseInitEvent ?? event.responseEndEvent)?.id;
}

/** Writes one event if the limit allows it; pauses every call when the output is full. */
function forward(state: FanoutState, pod: TapPod, event: TapEvent): void {
  const id = idOf(event);
  const key = `${pod.ip} ${id?.base ?? 0}:${id?.stream ?? 0}`;
  const { limit } = state.options;
  if (event.requestInitEvent !== undefined) {
    if (limit !== undefined && state.started >= limit) return;
    state.started += 1;
    state.open.add(key);
    // Events can be dropped by a busy proxy: the last requests get a bounded time to end.
    if (state.started === limit) setTimeout(state.finish, lastRequestsGraceMs).unref();
  } else if (!state.open.has(key)) {
    return;
  }
  if (event.responseEndEvent !== undefined) state.open.delete(key);
  const more = state.options.out.write(event);
  if (limit !== undefined && state.started >= limit && state.open.size === 0) state.finish();
  if (!more && !state.paused) {
    state.paused = true;
    for (const call of state.calls) call.pause();
    state.options.out.once('drain', () => {
      state.paused = false;
      for (const call of state.calls) call.resume();
    });
  }
}

/** One window's call; resolves when it ends, with its error if it failed. */
function observeOnce(state: FanoutState, client: ProxyTapClient, pod: TapPod, request: ObserveRequest): Promise<ServiceError | undefined> {
  return new Promise((resolve) => {
    const call = client.observe(request);
    state.calls.add(call);
    if (state.paused) call.pause();
    call.on('data', (raw: TapEvent__Output) => {
      if (!state.streaming.has(pod)) {
        state.streaming.add(pod);
        state.options.onPodStreaming?.(pod);
      }
      const event = tapEventJson(raw, state.options.podByIp);
      if (event !== undefined) forward(state, pod, event);
    });
    call.once('end', () => {
      state.calls.delete(call);
      resolve(undefined);
    });
    call.once('error', (error: ServiceError) => {
      state.calls.delete(call);
      resolve(error);
    });
  });
}

async function tapPod(state: FanoutState, pod: TapPod, perWindow: number): Promise<void> {
  const { options } = state;
  const windowMs = options.windowMs ?? 1000;
  const client = proxyTapClient({ host: pod.ip, port: pod.port }, pod.identity, options.identity);
  const request: ObserveRequest = {
    limit: perWindow, match: options.match, ...(options.extractHeaders ? { extract: { http: { headers: {} } } } : {}),
  };
  try {
    while (!options.signal.aborted && !(options.limit !== undefined && state.started >= options.limit)) {
      const windowEnd = Date.now() + windowMs;
      const error = await observeOnce(state, client, pod, request);
      if (error !== undefined) {
        if (!options.signal.aborted) options.onPodError(pod, error);
        return;
      }
      const wait = windowEnd - Date.now();
      if (wait > 0) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        options.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  } finally {
    client.close();
  }
}

/** Runs the tap until it is done (see the contract). */
export async function runTapFanout(options: TapFanoutOptions): Promise<void> {
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const state: FanoutState = {
    options: { ...options, signal }, calls: new Set(), open: new Set(), streaming: new Set(), started: 0, paused: false,
    finish: () => stop.abort(),
  };
  const perWindow = Math.max(1, Math.floor(Math.max(1, options.maxRps / Math.max(1, options.pods.length)) * (options.windowMs ?? 1000) / 1000));
  const cancelAll = (): void => {
    for (const call of state.calls) call.cancel();
  };
  signal.addEventListener('abort', cancelAll, { once: true });
  await Promise.all(options.pods.map((pod) => tapPod(state, pod, perWindow)));
  signal.removeEventListener('abort', cancelAll);
}
