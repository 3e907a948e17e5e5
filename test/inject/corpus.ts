/**
 * The manifest corpus under test/fixtures/manifests (except invalid/): every Kubernetes object in
 * it, List items included, each named by its file and position.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { InjectOptions } from '../../src/inject/inject.js';
import { createdBy, defaultMeshConfig, type MeshConfig } from '../../src/inject/proxy-config.js';

export type Json = Record<string, unknown>;

/** The project root: dist/test/inject/ → three levels up. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const corpusDir = path.join(root, 'test', 'fixtures', 'manifests');

export interface CorpusObject {
  readonly name: string;
  readonly object: Json;
}

function files(dir: string): readonly string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'invalid' ? [] : files(full);
    return /\.(ya?ml|json)$/.test(entry.name) ? [full] : [];
  });
}

let cached: readonly CorpusObject[] | undefined;

/** The corpus, read once and frozen (a test or a function that changes it throws). */
export function loadCorpus(): readonly CorpusObject[] {
  cached ??= deepFrozen(readCorpus());
  return cached;
}

function readCorpus(): readonly CorpusObject[] {
  const objects: CorpusObject[] = [];
  for (const file of files(corpusDir)) {
    const relative = path.relative(corpusDir, file);
    parseAllDocuments(fs.readFileSync(file, 'utf8')).forEach((document, i) => {
      if (document.errors.length > 0) throw new Error(`${relative}: ${document.errors[0]?.message ?? ''}`);
      const value = document.toJS() as Json | null;
      if (value === null) return;
      if (value['kind'] === 'List') {
        (value['items'] as Json[]).forEach((item, j) => objects.push({ name: `${relative}#${i + 1}.${j + 1}`, object: item }));
      } else {
        objects.push({ name: `${relative}#${i + 1}`, object: value });
      }
    });
  }
  return objects;
}

/** A deep copy whose every object and array is frozen: a function that changes its input throws. */
export function deepFrozen<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (v: unknown): void => {
    if (v !== null && typeof v === 'object') {
      Object.freeze(v);
      for (const child of Object.values(v)) freeze(child);
    }
  };
  freeze(copy);
  return copy;
}

/** The pod template of a workload object (the object itself for a Pod). */
export function templateOf(object: Json): Json {
  switch (object['kind']) {
    case 'Pod': return object;
    case 'CronJob': return ((((object['spec'] as Json)['jobTemplate'] as Json)['spec'] as Json)['template'] as Json);
    default: return ((object['spec'] as Json)['template'] as Json);
  }
}

export function podSpecOf(object: Json): Json {
  return templateOf(object)['spec'] as Json;
}

export type Container = Json & { name: string };

export function containersOf(object: Json, field: 'containers' | 'initContainers' = 'containers'): Container[] {
  return (podSpecOf(object)[field] ?? []) as Container[];
}

export function envOf(container: Json): Map<string, Json> {
  return new Map((container['env'] as Json[]).map((e) => [e['name'] as string, e]));
}

export function envValue(container: Json, name: string): string | undefined {
  return envOf(container).get(name)?.['value'] as string | undefined;
}

export const version = `v${(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version}`;
export const anchors = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

/** The workload (not Namespace) of the corpus named `name`. */
export function fixture(name: string): Json {
  const found = loadCorpus().find((c) => c.object['kind'] !== 'Namespace' && (c.object['metadata'] as Json)['name'] === name);
  if (found === undefined) throw new Error(`no fixture named ${name}`);
  return found.object;
}

/** Options for `--manual` injection from the CLI, with the trust anchors known. */
export function manual(mesh: MeshConfig = defaultMeshConfig({ trustAnchorsPem: anchors }), extra: Partial<InjectOptions> = {}): InjectOptions {
  return { mesh, mode: 'manual', origin: 'cli', createdBy: createdBy('cli'), ...extra };
}

export function proxyOf(object: Json): Json {
  const proxy = [...containersOf(object, 'initContainers'), ...containersOf(object)].find((c) => c.name === 'linkerd-proxy');
  assert.ok(proxy !== undefined, 'a linkerd-proxy container');
  return proxy;
}

export function initOf(object: Json): Json {
  const init = containersOf(object, 'initContainers').find((c) => c.name === 'linkerd-init');
  assert.ok(init !== undefined, 'a linkerd-init container');
  return init;
}
