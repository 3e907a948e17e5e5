/**
 * Rendered manifests as text: a YAML stream (each object a document opened by `---`) or JSON (one
 * `v1` List holding the objects), both accepted by `kubectl apply -f -` and `kubectl delete -f -`.
 * YAML is written without anchors or aliases, and long lines are never folded, so certificates and
 * keys come out as block scalars exactly as they are.
 */
import { stringify } from 'yaml';

export type OutputFormat = 'yaml' | 'json';
export const outputFormats: readonly OutputFormat[] = ['yaml', 'json'];

/** YAML 1.1, as kubectl reads it (`"yes"` stays a quoted string), or one JSON `v1` List. */
export function renderManifests(objects: readonly object[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2) + '\n';
  return objects.map((object) => `---\n${stringify(object, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' })}`).join('');
}
