/**
 * Where the dashboard's live tap comes from: anything that streams the tap server's events for a
 * resource. The CLI passes the tap server's HTTP API (`tapServerSource`, over tap-client.ts); the
 * demo and the tests may pass one in process.
 *
 * Contract: `watch` yields events in the order the tap server sent them and ends when the tap
 * ends (limit reached, tapped proxies gone) or as soon as `signal` aborts; it throws an Error with
 * the tap server's message when the tap cannot start or breaks off.
 */
import type { ResourceType } from '../metrics-api-types.js';
import type { ServiceClient } from '../service-proxy.js';
import { watchTap } from '../tap/tap-client.js';
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

/** The tap server behind `client` (a direct URL or the API server's service proxy). */
export function tapServerSource(client: ServiceClient): TapSource {
  return { watch: (target, body, signal) => watchTap(client, target, body, signal) };
}
