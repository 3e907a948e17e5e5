/**
 * Route hostnames (`HostMatch`: an exact name or a `*.suffix`) against a request's authority, as
 * Linkerd's proxy ranks them: an exact match beats any suffix match, and a longer name or suffix
 * beats a shorter one. Case-insensitive; a trailing dot on the request's host is ignored unless
 * the match itself ends in one. A suffix needs at least one label in front of it (`*.example.com`
 * does not match `example.com`). Pure.
 */
import type { HostMatch__Output } from '../../gen/proto/io/linkerd/proxy/http_route/HostMatch.js';
import { InvalidPolicyError } from './invalid-policy.js';

export type CompiledHostMatch =
  | { readonly kind: 'exact'; readonly name: string; readonly trailingDot: boolean }
  | { readonly kind: 'suffix'; readonly suffix: string; readonly trailingDot: boolean; readonly length: number };

/** Higher is more specific; 0 means the route has no hostnames (it matches any host). */
export interface HostScore {
  readonly rank: 0 | 1 | 2;
  readonly length: number;
}

export const anyHost: HostScore = { rank: 0, length: 0 };

export function compileHostMatch(match: HostMatch__Output, where: string): CompiledHostMatch {
  if (match.exact !== undefined && match.match !== 'suffix') {
    const name = match.exact.toLowerCase();
    return { kind: 'exact', name, trailingDot: name.endsWith('.') };
  }
  const labels = match.suffix?.reverse_labels;
  if (labels === undefined) throw new InvalidPolicyError(`${where}: neither an exact host nor a suffix`);
  // reverse_labels ["com", "example"] is `.example.com`; a leading "" label means a trailing dot.
  const suffix = `.${[...labels].reverse().join('.')}`.toLowerCase();
  return { kind: 'suffix', suffix, trailingDot: labels[0] === '', length: labels.reduce((sum, label) => sum + label.length + 1, 0) };
}

/** The best score of a route's hostnames for `host` (lower case, no port); undefined when none match. */
export function scoreHosts(matches: readonly CompiledHostMatch[], host: string | undefined): HostScore | undefined {
  if (matches.length === 0) return anyHost;
  if (host === undefined) return undefined;
  const bare = host.endsWith('.') ? host.slice(0, -1) : host;
  let best: HostScore | undefined;
  for (const match of matches) {
    const score = scoreHost(match, match.trailingDot ? host : bare);
    if (score !== undefined && (best === undefined || compareHostScores(score, best) > 0)) best = score;
  }
  return best;
}

function scoreHost(match: CompiledHostMatch, host: string): HostScore | undefined {
  if (match.kind === 'exact') return host === match.name ? { rank: 2, length: match.name.length } : undefined;
  return host.length > match.suffix.length && host.endsWith(match.suffix) ? { rank: 1, length: match.length } : undefined;
}

export function compareHostScores(a: HostScore, b: HostScore): number {
  return a.rank !== b.rank ? a.rank - b.rank : a.length - b.length;
}
