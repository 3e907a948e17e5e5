/**
 * What is wrong with an admitted object, one `<field path>: <problem>` line each, and the denial
 * message they make. Paths are written as the informers write them (`spec.rules[0].matches[1]`),
 * so a denial and an invalid projection of the same object name the same field.
 *
 * Pure.
 */
import type { z } from 'zod';
import { describeIssue, formatPath } from '../informers/fail-closed.js';

/** `spec.port: expected a port name (IANA service name)`. */
export type Problem = string & { readonly __brand: 'Problem' };

/** At most this many problems are spelled out in one denial; the rest are counted. */
export const maxProblemsShown = 10;

export function problemAt(path: readonly PropertyKey[], message: string): Problem {
  const text = formatPath(path);
  return `${text === '' ? '(root)' : text}: ${message}` as Problem;
}

export function zodProblems(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => describeIssue(issue) as Problem);
}

/** `spec.port: …; spec.proxyProtocol: …`, and `(and 3 more)` past `maxProblemsShown`. */
export function denialMessage(problems: readonly Problem[]): string {
  const shown = problems.slice(0, maxProblemsShown).join('; ');
  const hidden = problems.length - maxProblemsShown;
  return hidden > 0 ? `${shown} (and ${hidden} more)` : shown;
}
