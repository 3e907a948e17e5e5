/**
 * What one benchmark reports, and how `run.ts` prints it: a plain-text results table for the
 * terminal and Markdown (a summary row plus a detail section) to paste into BENCHMARKS.md.
 * Measures nothing itself.
 *
 * Every result carries its median, every run's value, a reference measured in the same run on
 * the same machine, their ratio, and the goal with whether the median met it.
 */
import { formatList, formatNumber, median, spreadPercent } from './stats.js';

export interface Measured {
  readonly label: string;
  readonly unit: string;
  readonly runs: readonly number[];
  /** Decimals to print. */
  readonly digits: number;
}

export interface BenchResult {
  readonly name: string;
  readonly title: string;
  readonly command: string;
  readonly result: Measured;
  readonly reference: Measured;
  /** What the ratio means, e.g. "Sinew / JSON.parse". */
  readonly ratioLabel: string;
  readonly goal: { readonly text: string; readonly met: boolean };
  /** Breakdown and secondary measurements, one line each. */
  readonly details: readonly string[];
}

export function ratioOf(result: BenchResult): number {
  return median(result.result.runs) / median(result.reference.runs);
}

function summary(measured: Measured): string {
  return `${formatNumber(median(measured.runs), measured.digits)} ${measured.unit}`;
}

export function textTable(results: readonly BenchResult[]): string {
  const rows = [['benchmark', 'median', 'spread', 'reference (median)', 'ratio', 'goal', 'met']];
  for (const result of results) {
    rows.push([result.name, summary(result.result), `${formatNumber(spreadPercent(result.result.runs), 0)}%`,
      `${result.reference.label}: ${summary(result.reference)}`, `${formatNumber(ratioOf(result), 2)} (${result.ratioLabel})`,
      result.goal.text, result.goal.met ? 'yes' : 'NO']);
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')).join('\n');
}

export function markdownRows(results: readonly BenchResult[]): string {
  const lines = ['| Benchmark | Median | Runs | Reference (median, same run) | Ratio | Goal | Met |', '|---|---|---|---|---|---|---|'];
  for (const result of results) {
    lines.push(`| ${result.title} | ${summary(result.result)} | ${formatList(result.result.runs, result.result.digits)} | `
      + `${result.reference.label}: ${summary(result.reference)} | ${formatNumber(ratioOf(result), 2)} (${result.ratioLabel}) | `
      + `${result.goal.text} | ${result.goal.met ? 'met' : 'not met'} |`);
  }
  return lines.join('\n');
}

export function markdownDetails(result: BenchResult): string {
  return [
    `### ${result.title}`,
    '',
    `- Command: \`${result.command}\``,
    `- ${result.result.label}: median **${summary(result.result)}**; runs: ${formatList(result.result.runs, result.result.digits)} ${result.result.unit}`,
    `- Reference, ${result.reference.label}: median ${summary(result.reference)}; runs: ${formatList(result.reference.runs, result.reference.digits)} ${result.reference.unit}`,
    `- Ratio (${result.ratioLabel}): ${formatNumber(ratioOf(result), 2)}`,
    `- Goal: ${result.goal.text}: **${result.goal.met ? 'met' : 'not met'}**`,
    ...result.details.map((line) => (line.startsWith('  ') ? `  - ${line.trim()}` : `- ${line}`)),
  ].join('\n');
}
