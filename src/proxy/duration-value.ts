/**
 * Durations in the proxy's environment. Linkerd's proxy reads a whole number with a unit (`ms`, `s`,
 * `m`, `h`, `d`), surrounding whitespace allowed, and a bare `0`; a bare non-zero number has no
 * unit and is rejected. Sinew's injector copies `config.linkerd.io/*` annotations that it checked as
 * Go durations (`1m30s`, `1.5s`), so those are read too: everything Linkerd's proxy reads means the
 * same here, and nothing Sinew's injector writes is refused.
 *
 * Pure.
 */
import { parseDuration as parseGoDuration } from '../reconcilers/go-duration.js';

const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in `text`, or undefined when it is not a duration. */
export function parseProxyDuration(text: string): number | undefined {
  const match = /^\s*(\d+)(ms|s|m|h|d)?\s*$/.exec(text);
  if (match !== null) {
    const magnitude = Number(match[1]);
    const unit = match[2];
    if (unit === undefined) return magnitude === 0 ? 0 : undefined;
    const ms = magnitude * (unitMs[unit] as number);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  return parseGoDuration(text.trim());
}

/** How an error message describes what a duration looks like. */
export const durationHint = 'is not a duration (e.g. 100ms, 3s)';
