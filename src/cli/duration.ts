/** Duration flags, written as Go writes durations (see reconcilers/go-duration.ts). */
import { parseDuration } from '../reconcilers/go-duration.js';
import { UsageError } from './usage-error.js';

export { parseDuration };

/** A duration flag's value in milliseconds: `fallback` when absent, a UsageError when malformed or below `minMs`. */
export function duration(flag: string, value: string | undefined, fallback: number, minMs = 0): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`${flag} must be a duration such as 24h, 20s or 1h30m; got ${JSON.stringify(value)}`);
  if (ms < minMs) throw new UsageError(`${flag} must be at least ${minMs} ms; got ${JSON.stringify(value)}`);
  return ms;
}
