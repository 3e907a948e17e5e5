/**
 * Writers for the Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` lines,
 * sample lines, and histograms as cumulative `_bucket{le=…}` lines ending at `+Inf`, then `_sum`
 * and `_count`.
 *
 * Contract: writers append complete lines (each ending in '\n') to the `out` array, which the
 * caller joins once; label texts arrive already escaped (label-set.ts). Help text is escaped here
 * (backslash, newline). Values are printed so a Prometheus parser reads them back exactly:
 * integers as integers, other finite numbers in JavaScript's shortest round-trip form, and
 * `NaN`, `+Inf`, `-Inf`.
 */
import type { LabelText } from './label-set.js';

export const exposition = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram';

const metricNameGrammar = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function isValidMetricName(name: string): boolean {
  return metricNameGrammar.test(name);
}

export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

export function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

export function writeHeader(out: string[], name: string, help: string, type: MetricType): void {
  out.push(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`);
}

export function writeSample(out: string[], name: string, labels: LabelText, value: number): void {
  out.push(labels === '' ? `${name} ${formatValue(value)}\n` : `${name}{${labels}} ${formatValue(value)}\n`);
}

/**
 * The `le="…"}` suffixes of a histogram's bucket lines, computed once per family: one per bound and
 * a last one for `+Inf`.
 */
export function bucketSuffixes(bounds: readonly number[]): readonly string[] {
  return [...bounds.map((bound) => `le="${formatValue(bound)}"} `), 'le="+Inf"} '];
}

/**
 * One histogram series. `counts` holds the observations per bucket (not cumulative), with the
 * `+Inf` bucket last; `suffixes` comes from bucketSuffixes of the same bounds.
 */
export function writeHistogram(
  out: string[], name: string, labels: LabelText, suffixes: readonly string[], counts: Float64Array, sum: number,
): void {
  const open = labels === '' ? `${name}_bucket{` : `${name}_bucket{${labels},`;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i += 1) {
    cumulative += counts[i] as number;
    out.push(`${open}${suffixes[i] as string}${cumulative}\n`);
  }
  const braces = labels === '' ? '' : `{${labels}}`;
  out.push(`${name}_sum${braces} ${formatValue(sum)}\n${name}_count${braces} ${cumulative}\n`);
}
