/**
 * Label sets: the names and values that pick one series out of a metric family, rendered once
 * into the text that sits between the braces of that series' sample lines.
 *
 * Contract: `labelText` checks every name against the Prometheus label-name grammar and refuses
 * reserved names (`__*`, and `le`, which histograms add themselves) and repeated names, throwing a
 * LabelSetError that names the label; names are chosen by code, so this is a programming error.
 * Values may be any string: backslash, double quote and newline are escaped, so no value can leave
 * its quotes or its line. The rendered text is the series' identity: the same names and values in
 * the same order give the same text. Rendering happens when a series is resolved (once per
 * connection, endpoint or route), never per request.
 */
export type LabelSet = readonly (readonly [name: string, value: string])[];

/** Rendered, escaped `name="value",…` text (no braces); '' for no labels. */
export type LabelText = string & { readonly __brand: 'LabelText' };

export class LabelSetError extends Error {
  override readonly name = 'LabelSetError';
}

const labelNameGrammar = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const needsEscape = /[\\"\n]/;

export const noLabels = '' as LabelText;

export function isValidLabelName(name: string): boolean {
  return labelNameGrammar.test(name) && !name.startsWith('__') && name !== 'le';
}

export function escapeLabelValue(value: string): string {
  if (!needsEscape.test(value)) return value;
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c));
}

export function labelText(labels: LabelSet): LabelText {
  if (labels.length === 0) return noLabels;
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const [name, value] of labels) {
    if (!isValidLabelName(name)) throw new LabelSetError(`label name ${JSON.stringify(name)} is not a valid, unreserved Prometheus label name`);
    if (seen.has(name)) throw new LabelSetError(`label ${name} appears twice in one label set`);
    seen.add(name);
    parts.push(`${name}="${escapeLabelValue(value)}"`);
  }
  return parts.join(',') as LabelText;
}

/**
 * Joins rendered label texts, skipping empty ones. The parts must not share a name (the builders
 * in linkerd-labels.ts never produce overlapping groups).
 */
export function joinLabels(...parts: readonly LabelText[]): LabelText {
  let joined = '';
  for (const part of parts) {
    if (part === '') continue;
    joined = joined === '' ? part : `${joined},${part}`;
  }
  return joined as LabelText;
}

/**
 * A label name made from an outside key (a Kubernetes label key such as `app.kubernetes.io/name`):
 * every character outside [a-zA-Z0-9_] becomes `_`, and the result never starts with a digit.
 */
export function labelNameFrom(raw: string): string {
  const cleaned = raw.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}
