/**
 * `google.protobuf.Duration` as the loader decodes it (`seconds` a decimal string, `nanos` a
 * number) in milliseconds. Pure.
 */
import type { Duration__Output } from '../../gen/proto/google/protobuf/Duration.js';
import { InvalidPolicyError } from './invalid-policy.js';

/** Milliseconds, undefined when the field is absent; a negative or non-numeric one is invalid. */
export function optionalMs(duration: Duration__Output | null | undefined, where: string): number | undefined {
  if (duration === null || duration === undefined) return undefined;
  const seconds = Number(duration.seconds);
  const nanos = Number(duration.nanos);
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos) || seconds < 0 || nanos < 0) {
    throw new InvalidPolicyError(`${where}: ${JSON.stringify(duration)} is not a non-negative duration`);
  }
  return seconds * 1000 + nanos / 1e6;
}

/** Milliseconds of a duration the proxy requires. */
export function requiredMs(duration: Duration__Output | null | undefined, where: string): number {
  const ms = optionalMs(duration, where);
  if (ms === undefined) throw new InvalidPolicyError(`${where}: missing`);
  return ms;
}
