/**
 * How `sinew check` prints results, in Linkerd's three formats.
 *
 * - table: each category as a heading underlined with dashes, then `√ description` per check, or
 *   `‼`/`×` followed by the error and `see <hint url> for hints`, indented four spaces.
 * - short: the same, for warnings and failures only.
 * - json: one document at the end, `{success, categories: [{categoryName, checks: [{description,
 *   hint?, error?, result: success|warning|error}]}]}`, indented two spaces.
 *
 * Table and short end with `Status check results are √` (or `×`). While a check is retried, a TTY
 * shows a spinner with the reason; nothing else shows anything for a retry. Results are written as
 * they arrive; only json holds them back.
 */
import type { CategoryId, CheckResult } from './checker.js';
import type { RunSummary } from './runner.js';
import type { Spinner } from './spinner.js';

export type OutputFormat = 'table' | 'json' | 'short';

export interface CheckPrinter {
  observe(result: CheckResult): void;
  finish(summary: RunSummary): void;
}

export const symbols = { ok: '\u221A', warn: '\u203C', fail: '\u00D7' } as const;

function paint(text: string, code: string, color: boolean): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

function statusOf(result: CheckResult, color: boolean): string {
  if (result.error === undefined) return paint(symbols.ok, '1;32', color);
  return result.warning ? paint(symbols.warn, '1;33', color) : paint(symbols.fail, '1;31', color);
}

export interface TablePrinterOptions {
  readonly short: boolean;
  /** ANSI colours on the status symbols (a TTY). */
  readonly color: boolean;
  readonly spinner: Spinner | undefined;
}

export function tablePrinter(write: (text: string) => void, options: TablePrinterOptions): CheckPrinter {
  let lastCategory: CategoryId | undefined;
  return {
    observe(result) {
      if (options.short && result.error === undefined) return;
      if (result.category !== lastCategory) {
        options.spinner?.stop();
        write(`${lastCategory === undefined ? '' : '\n'}${result.category}\n${'-'.repeat(result.category.length)}\n`);
        lastCategory = result.category;
      }
      if (result.retry) {
        options.spinner?.start(result.error ?? '');
        return;
      }
      options.spinner?.stop();
      write(`${statusOf(result, options.color)} ${result.description}\n`);
      if (result.error === undefined) return;
      write(`    ${result.error}\n`);
      if (result.hintUrl !== '') write(`    see ${result.hintUrl} for hints\n`);
    },
    finish(summary) {
      options.spinner?.stop();
      if (!options.short || summary.warning) write('\n');
      const status = summary.success ? paint(symbols.ok, '1;32', options.color) : paint(symbols.fail, '1;31', options.color);
      write(`Status check results are ${status}\n`);
    },
  };
}

interface JsonCheck {
  description: string;
  hint?: string;
  error?: string;
  result: 'success' | 'warning' | 'error';
}

export function jsonPrinter(write: (text: string) => void): CheckPrinter {
  const categories: { categoryName: CategoryId; checks: JsonCheck[] }[] = [];
  return {
    observe(result) {
      let category = categories[categories.length - 1];
      if (category === undefined || category.categoryName !== result.category) {
        category = { categoryName: result.category, checks: [] };
        categories.push(category);
      }
      if (result.retry) return;
      if (result.error === undefined) {
        category.checks.push({ description: result.description, result: 'success' });
        return;
      }
      category.checks.push({
        description: result.description,
        ...(result.hintUrl === '' ? {} : { hint: result.hintUrl }),
        error: result.error,
        result: result.warning ? 'warning' : 'error',
      });
    },
    finish(summary) {
      write(`${JSON.stringify({ success: summary.success, categories }, null, 2)}\n`);
    },
  };
}
