/**
 * Durations for outbound policy: Linkerd's annotation form, and the proxy API's
 * `google.protobuf.Duration`.
 *
 * Linkerd reads `timeout.linkerd.io/*`, `retry.linkerd.io/timeout` and the failure-accrual
 * penalties as one whole number and one unit — `ms`, `s`, `m`, `h` or `d` — or a bare `0`
 * (`250ms`, `5s`, `1m`; not `1.5s`, not `1m30s`). Surrounding spaces are ignored. Anything else is
 * not a duration.
 */
import type { Duration } from '../gen/proto/google/protobuf/Duration.js';

const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in a duration as Linkerd's annotations write it, or undefined. */
export function parseAnnotationDuration(text: string): number | undefined {
  const match = /^(\d+)([a-z]*)$/.exec(text.trim());
  if (match === null) return undefined;
  const magnitude = Number(match[1]);
  const unit = match[2] as string;
  if (unit === '') return magnitude === 0 ? 0 : undefined;
  const factor = unitMs[unit];
  if (factor === undefined || !Number.isSafeInteger(magnitude * factor)) return undefined;
  return magnitude * factor;
}

/** A whole number of milliseconds (or a fraction of one) as a protobuf Duration. */
export function protoDuration(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}
