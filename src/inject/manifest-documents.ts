/**
 * Manifests as streams of documents: multi-document YAML (or JSON) in, each Kubernetes object
 * (and each item of a `kind: List`) passed through a transformation, YAML or JSON out.
 *
 * Contract: documents keep their order, and a List stays a List. A document that is not YAML or
 * not a Kubernetes object, or that the transformation refuses, is left out of the output and
 * named in an error (`FILE: document N: why`, `… item M` inside a List); the others go through.
 * Empty documents (a trailing `---`) are dropped silently.
 */
import { parseAllDocuments, stringify } from 'yaml';
import type { ManifestSource } from './manifest-input.js';
import { checkDocument, type JsonObject } from './workload.js';

/** Changes one checked object, or throws with the reason it cannot. */
export type ObjectTransform = (object: JsonObject) => JsonObject;

export interface TransformedManifests {
  readonly objects: readonly JsonObject[];
  readonly errors: readonly string[];
}

type Parsed = { readonly value: unknown } | { readonly error: string };

function parseDocuments(text: string): readonly Parsed[] {
  const parsed: Parsed[] = [];
  // YAML 1.1, as kubectl reads it: `0644` is octal, `yes` and `on` are booleans (so a string
  // `"yes"` is written back quoted), and a manifest means the same before and after.
  for (const document of parseAllDocuments(text, { version: '1.1' })) {
    const error = document.errors[0];
    if (error !== undefined) {
      parsed.push({ error: `not YAML: ${(error.message.split('\n')[0] as string).replace(/:$/, '')}` });
      continue;
    }
    if (document.contents === null) continue;
    try {
      parsed.push({ value: document.toJS({ maxAliasCount: 1000 }) as unknown });
    } catch (error) {
      parsed.push({ error: `not usable YAML: ${(error as Error).message.split('\n')[0] ?? ''}` });
    }
  }
  return parsed;
}

function transformOne(value: unknown, transform: ObjectTransform): JsonObject {
  const checked = checkDocument(value);
  if (!checked.ok) throw new Error(checked.problem);
  return transform(checked.object);
}

function transformList(list: JsonObject, where: string, transform: ObjectTransform, errors: string[]): JsonObject {
  const items = list['items'];
  if (!Array.isArray(items)) {
    if (items !== undefined && items !== null) errors.push(`${where}: items: expected a list`);
    return list;
  }
  const kept: JsonObject[] = [];
  items.forEach((item: unknown, i) => {
    try {
      kept.push(transformOne(item, transform));
    } catch (error) {
      errors.push(`${where} item ${i + 1}: ${(error as Error).message}`);
    }
  });
  return { ...list, items: kept };
}

/** Parses every source and transforms every object in it. */
export function transformManifests(sources: readonly ManifestSource[], transform: ObjectTransform): TransformedManifests {
  const objects: JsonObject[] = [];
  const errors: string[] = [];
  for (const source of sources) {
    if (source.error !== undefined || source.text === undefined) {
      errors.push(`${source.name}: ${source.error ?? 'no content'}`);
      continue;
    }
    parseDocuments(source.text).forEach((document, i) => {
      const where = `${source.name}: document ${i + 1}`;
      if ('error' in document) {
        errors.push(`${where}: ${document.error}`);
        return;
      }
      const checked = checkDocument(document.value);
      if (!checked.ok) {
        errors.push(`${where}: ${checked.problem}`);
        return;
      }
      if (checked.object['kind'] === 'List') {
        objects.push(transformList(checked.object, where, transform, errors));
        return;
      }
      try {
        objects.push(transform(checked.object));
      } catch (error) {
        errors.push(`${where}: ${(error as Error).message}`);
      }
    });
  }
  return { objects, errors };
}

/** YAML documents separated by `---`, or one pretty JSON object per document. */
export function renderManifests(objects: readonly JsonObject[], format: 'yaml' | 'json'): string {
  if (format === 'json') return objects.map((object) => `${JSON.stringify(object, null, 2)}\n`).join('');
  return objects.map((object) => stringify(object, { lineWidth: 0, version: '1.1' })).join('---\n');
}
