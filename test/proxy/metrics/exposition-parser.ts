/**
 * A strict reader of the Prometheus text exposition format 0.0.4, written for the tests from the
 * format's description (independent of the code under test): it throws on anything a scraper
 * could misread — an unknown escape, a sample before its TYPE, a family split in two, a repeated
 * series (same name and label text), a sample whose name does not belong to its family, a missing final newline.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly help: string | undefined;
  readonly type: string;
  readonly samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parseExposition(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const seenSeries = new Set<string>();
  let current: Family | undefined;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line.startsWith('# HELP ')) {
      const [name, help] = splitOnce(line.slice(7), where);
      if (helps.has(name)) throw new Error(`${where}: second HELP for ${name}`);
      helps.set(name, unescapeHelp(help, where));
    } else if (line.startsWith('# TYPE ')) {
      const [name, type] = splitOnce(line.slice(7), where);
      if (!types.has(type)) throw new Error(`${where}: unknown type ${type}`);
      if (families.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
      current = { name, help: helps.get(name), type, samples: [] };
      families.set(name, current);
    } else if (line.startsWith('#') || line.trim() === '') {
      throw new Error(`${where}: unexpected comment or blank line`);
    } else {
      const sample = parseSample(line, where);
      if (current === undefined || !belongsTo(sample.name, current)) throw new Error(`${where}: sample outside its family's block`);
      const identity = line.slice(0, line.lastIndexOf('} ') + 1) || sample.name;
      if (seenSeries.has(identity)) throw new Error(`${where}: repeated series`);
      seenSeries.add(identity);
      current.samples.push(sample);
    }
  });
  return families;
}

function belongsTo(sample: string, family: Family): boolean {
  if (family.type !== 'histogram') return sample === family.name;
  return sample === `${family.name}_bucket` || sample === `${family.name}_sum` || sample === `${family.name}_count`;
}

function splitOnce(rest: string, where: string): [string, string] {
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  if (metricName.exec(name)?.[0] !== name) throw new Error(`${where}: bad metric name`);
  return [name, space < 0 ? '' : rest.slice(space + 1)];
}

function unescapeHelp(help: string, where: string): string {
  return help.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new Error(`${where}: bad escape \\${c} in HELP`);
  });
}

function parseSample(line: string, where: string): Sample {
  const name = metricName.exec(line)?.[0];
  if (name === undefined) throw new Error(`${where}: no metric name`);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = labelName.exec(rest)?.[0];
      if (label === undefined || !rest.startsWith(`${label}="`, 0)) throw new Error(`${where}: bad label`);
      if (label in labels) throw new Error(`${where}: label ${label} twice`);
      const [value, after] = readQuoted(rest.slice(label.length + 2), where);
      labels[label] = value;
      rest = after.startsWith(',') ? after.slice(1) : after;
      if (!rest.startsWith('}') && after === rest) throw new Error(`${where}: labels not separated by ','`);
    }
    rest = rest.slice(1);
  }
  const fields = rest.split(' ');
  if (fields[0] !== '' || fields.length < 2 || fields.length > 3) throw new Error(`${where}: expected ' value [timestamp]'`);
  return { name, labels, value: parseValue(fields[1] as string, where) };
}

function readQuoted(text: string, where: string): [string, string] {
  let value = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (c === '"') return [value, text.slice(i + 1)];
    if (c === '\n') throw new Error(`${where}: raw newline in label value`);
    if (c !== '\\') {
      value += c;
      continue;
    }
    const next = text[i + 1];
    i += 1;
    if (next === '\\') value += '\\';
    else if (next === '"') value += '"';
    else if (next === 'n') value += '\n';
    else throw new Error(`${where}: bad escape \\${next ?? ''} in label value`);
  }
  throw new Error(`${where}: unterminated label value`);
}

function parseValue(text: string, where: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

/** The samples of one family (or of `name_bucket` etc.) whose labels include all of `match`. */
export function samplesOf(families: Map<string, Family>, family: string, match: Readonly<Record<string, string>> = {}, sampleName = family): Sample[] {
  const found = families.get(family);
  if (found === undefined) return [];
  return found.samples.filter((s) => s.name === sampleName && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The one sample of a family matching `match`, or an error listing what there is. */
export function onlySample(families: Map<string, Family>, family: string, match: Readonly<Record<string, string>> = {}, sampleName = family): Sample {
  const found = samplesOf(families, family, match, sampleName);
  if (found.length !== 1) {
    throw new Error(`expected one ${sampleName} matching ${JSON.stringify(match)}, found ${found.length}: ${JSON.stringify(families.get(family)?.samples ?? [])}`);
  }
  return found[0] as Sample;
}
