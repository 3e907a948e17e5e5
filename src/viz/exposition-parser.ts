/**
 * A reader of the Prometheus text exposition format (0.0.4) as proxies serve it on `/metrics`:
 * `name{label="value",…} value [timestamp]` lines, `#` comments, label values with `\\`, `\"` and
 * `\n` escapes, values such as `NaN`, `+Inf`, `1e3`.
 *
 * Contract: a line that cannot be read is counted in `skipped` and left out, never thrown; only
 * families `keep` accepts are returned (the embedded metrics API keeps what its queries read).
 */

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedExposition {
  readonly samples: readonly ParsedSample[];
  readonly skipped: number;
}

const namePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string): number {
  switch (text) {
    case '+Inf': case 'Inf': return Infinity;
    case '-Inf': return -Infinity;
    case 'NaN': return NaN;
    default: return text === '' ? NaN : Number(text);
  }
}

/** Reads `{…}` from `line` at `start`; returns the labels and the index after `}`, or undefined. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i += 1;
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = labelNamePattern.exec(line.slice(i))?.[0];
    if (name === undefined) return undefined;
    i += name.length;
    while (line[i] === ' ') i += 1;
    if (line[i] !== '=') return undefined;
    i += 1;
    while (line[i] === ' ') i += 1;
    if (line[i] !== '"') return undefined;
    i += 1;
    let value = '';
    for (; i < line.length && line[i] !== '"'; i += 1) {
      if (line[i] === '\\') {
        i += 1;
        value += line[i] === 'n' ? '\n' : (line[i] ?? '');
      } else {
        value += line[i];
      }
    }
    if (line[i] !== '"') return undefined;
    labels[name] = value;
    i += 1;
  }
}

function parseLine(line: string): ParsedSample | undefined {
  const name = namePattern.exec(line)?.[0];
  if (name === undefined) return undefined;
  let rest = name.length;
  let labels: Record<string, string> = {};
  if (line[rest] === '{') {
    const parsed = parseLabels(line, rest);
    if (parsed === undefined) return undefined;
    labels = parsed.labels;
    rest = parsed.end;
  }
  const fields = line.slice(rest).trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2) return undefined;
  const value = parseValue(fields[0] as string);
  if (Number.isNaN(value) && fields[0] !== 'NaN') return undefined;
  return { name, labels, value };
}

export function parseExposition(text: string, keep: (name: string) => boolean = () => true): ParsedExposition {
  const samples: ParsedSample[] = [];
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = namePattern.exec(line)?.[0];
    if (name !== undefined && !keep(name)) continue;
    const sample = parseLine(line);
    if (sample === undefined) skipped += 1;
    else samples.push(sample);
  }
  return { samples, skipped };
}
