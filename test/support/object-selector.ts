/**
 * Label and field selectors, as `?labelSelector=` and `?fieldSelector=` filter lists and watches.
 *
 * Contract: label selectors support `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`,
 * comma-separated and all required; `!=` and `notin` match objects without the label, as in
 * Kubernetes. Field selectors support `path=value`, `path==value` and `path!=value` for any dotted
 * path (`metadata.name`, `metadata.namespace`, `spec.nodeName`, ...); a missing field reads as "".
 * A selector that cannot be parsed is a 400 BadRequest. The empty selector matches everything.
 */
import type { KubeObject } from './kube-object.js';
import { statusErrors } from './kube-status.js';

export interface ObjectSelector {
  matches(object: KubeObject): boolean;
}

type Requirement = (labels: Readonly<Record<string, string>>) => boolean;

const LABEL_KEY = /^([A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function parseSelector(labelSelector: string | undefined, fieldSelector: string | undefined): ObjectSelector {
  const labels = splitTerms(labelSelector ?? '').map(parseLabelTerm);
  const fields = splitTerms(fieldSelector ?? '').map(parseFieldTerm);
  return {
    matches: (object) => {
      const objectLabels = object.metadata.labels ?? {};
      return labels.every((req) => req(objectLabels)) && fields.every((req) => req(object));
    },
  };
}

/** Splits on commas that are not inside parentheses; drops empty terms. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function parseLabelTerm(term: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(term);
  if (set !== null) {
    const key = labelKey(set[1] ?? '', term);
    const values = new Set((set[3] ?? '').split(',').map((v) => labelValue(v.trim(), term)));
    return set[2] === 'in'
      ? (labels) => labels[key] !== undefined && values.has(labels[key])
      : (labels) => labels[key] === undefined || !values.has(labels[key]);
  }
  if (term.startsWith('!')) {
    const key = labelKey(term.slice(1).trim(), term);
    return (labels) => labels[key] === undefined;
  }
  const comparison = /^([^!=\s]+)\s*(!=|==|=)\s*(\S*)$/.exec(term);
  if (comparison !== null) {
    const key = labelKey(comparison[1] ?? '', term);
    const value = labelValue(comparison[3] ?? '', term);
    return comparison[2] === '!='
      ? (labels) => labels[key] !== value
      : (labels) => labels[key] === value;
  }
  const key = labelKey(term, term);
  return (labels) => labels[key] !== undefined;
}

function labelKey(key: string, term: string): string {
  if (!LABEL_KEY.test(key)) throw statusErrors.badRequest(`unable to parse requirement: invalid label key "${key}" in "${term}"`);
  return key;
}

function labelValue(value: string, term: string): string {
  if (!LABEL_VALUE.test(value)) throw statusErrors.badRequest(`unable to parse requirement: invalid label value "${value}" in "${term}"`);
  return value;
}

function parseFieldTerm(term: string): (object: KubeObject) => boolean {
  const match = /^([A-Za-z0-9_.]+)\s*(!=|==|=)\s*(.*)$/.exec(term);
  if (match === null) throw statusErrors.badRequest(`invalid field selector: "${term}"`);
  const path = (match[1] ?? '').split('.');
  const value = (match[3] ?? '').trim();
  return match[2] === '!='
    ? (object) => fieldValue(object, path) !== value
    : (object) => fieldValue(object, path) === value;
}

function fieldValue(object: KubeObject, path: readonly string[]): string {
  let current: unknown = object;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return '';
    current = (current as Record<string, unknown>)[segment];
  }
  return typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean' ? String(current) : '';
}
