/**
 * Where the dashboard's live tap comes from: anything that streams the tap server's events for a
 * resource. The CLI passes an HTTP client of the tap server (tap-http-source.ts); the demo and the
 * tests may pass one in process.
 *
 * Contract: `watch` yields events in the order the tap server sent them and ends when the tap
 * ends (limit reached, tapped proxies gone) or as soon as `signal` aborts; it throws a TapSourceError
 * (with the tap server's message) when the tap cannot start or breaks off.
 */
import type { ResourceType } from '../metrics-api-types.js';
import type { TapEvent, TapRequestBody } from '../tap/tap-event.js';

export interface TapTarget {
  readonly namespace: string;
  readonly type: ResourceType;
  /** '' for a whole namespace. */
  readonly name: string;
}

export interface TapSource {
  watch(target: TapTarget, body: TapRequestBody, signal: AbortSignal): AsyncIterable<TapEvent>;
}

export class TapSourceError extends Error {
  /** The tap server's HTTP status when it answered with an error, else undefined. */
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'TapSourceError';
  }
}
