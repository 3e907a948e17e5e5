/**
 * How view updates are printed by `sinew replay` (and later by other debugging commands).
 *
 * text: one line per item change, `<when> <view> +|~|- <item>` (added, changed, removed), and
 * `<when> <view> gone` when a view disappears. json: one object per update. Both depend only on
 * the updates and the log positions, so the same log always prints the same bytes.
 */
import { diff } from '../streams/differ.js';
import type { ViewUpdate } from '../streams/view-hub.js';

export type UpdateFormat = 'text' | 'json';

export function formatUpdate(when: string, update: ViewUpdate, format: UpdateFormat): string {
  const delta = diff(update.before, update.after);
  if (format === 'json') {
    return JSON.stringify({
      at: when, view: update.key, exists: update.after !== undefined,
      upserts: delta.upserts.map((item) => ({ name: item.name, value: item.value })), removals: delta.removals,
    }) + '\n';
  }
  const had = new Set(update.before?.items.map((item) => item.name) ?? []);
  const lines: string[] = [];
  for (const name of delta.removals) lines.push(`${when} ${update.key} - ${name}`);
  for (const item of delta.upserts) lines.push(`${when} ${update.key} ${had.has(item.name) ? '~' : '+'} ${item.name}`);
  if (update.after === undefined) lines.push(`${when} ${update.key} gone`);
  else if (update.before === undefined && lines.length === 0) lines.push(`${when} ${update.key} (empty)`);
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
