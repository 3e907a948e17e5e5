/**
 * Carrying out a route's filters (policy/route-filters.ts) on one request, in order: header
 * modifications change the request sent on (or the response sent back); a redirect, an injected
 * failure that fires, or a filter the proxy cannot honour answers the request here instead.
 *
 * Pure apart from `random`, which decides injected failures (once per filter per request).
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { DownstreamResponse } from './downstream.js';
import type { FilterAction, HeaderModification } from '../policy/route-filters.js';

export type LocalAnswer =
  | { readonly kind: 'http'; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: string }
  | { readonly kind: 'grpc'; readonly code: number; readonly message: string };

export interface FilterOutcome {
  readonly headers: OutgoingHttpHeaders;
  readonly responseHeaders: readonly HeaderModification[];
  /** Set when a filter answers the request itself. */
  readonly answer: LocalAnswer | undefined;
}

export function applyFilters(actions: readonly FilterAction[], headers: OutgoingHttpHeaders, random: () => number): FilterOutcome {
  let current = headers;
  const responseHeaders: HeaderModification[] = [];
  for (const action of actions) {
    switch (action.kind) {
      case 'request-headers':
        current = modifyHeaders(current, action.headers);
        break;
      case 'response-headers':
        responseHeaders.push(action.headers);
        break;
      case 'redirect':
        return { headers: current, responseHeaders, answer: { kind: 'http', status: action.status, headers: { location: action.location }, body: '' } };
      case 'fail-http':
        if (random() < action.probability) return { headers: current, responseHeaders, answer: { kind: 'http', status: action.status, headers: {}, body: action.message } };
        break;
      case 'fail-grpc':
        if (random() < action.probability) return { headers: current, responseHeaders, answer: { kind: 'grpc', code: action.code, message: action.message } };
        break;
      case 'internal-error':
        return { headers: current, responseHeaders, answer: { kind: 'http', status: 500, headers: { 'l5d-proxy-error': action.message }, body: action.message } };
    }
  }
  return { headers: current, responseHeaders, answer: undefined };
}

/** `headers` with `modification` applied: set replaces, add appends, remove deletes (names are case-insensitive). */
export function modifyHeaders(headers: OutgoingHttpHeaders, modification: HeaderModification): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers };
  for (const [name, value] of modification.set) out[name.toLowerCase()] = value;
  for (const [name, value] of modification.add) {
    const key = name.toLowerCase();
    const existing = out[key];
    out[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [String(existing)]), value];
  }
  for (const name of modification.remove) delete out[name.toLowerCase()];
  return out;
}

/** Writes a filter's own answer (a redirect, an injected failure) as the response. */
export function answerLocally(response: DownstreamResponse, answer: LocalAnswer): void {
  const writable = response as ServerResponse;
  if (answer.kind === 'grpc') {
    writable.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': String(answer.code), 'grpc-message': encodeURIComponent(answer.message) });
    writable.end();
    return;
  }
  writable.writeHead(answer.status, answer.headers);
  writable.end(answer.body);
}
