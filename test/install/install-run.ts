/**
 * Runs `sinew install` / `sinew uninstall` in-process with a captured CommandIo, and reads what
 * they print back as objects.
 */
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { CommandIo } from '../../src/cli/command-io.js';
import { installCommand } from '../../src/cli/install.js';
import { uninstallCommand } from '../../src/cli/uninstall.js';

export type KubeJson = Readonly<Record<string, unknown>> & {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
};

export interface CommandRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function run(command: (argv: readonly string[], io: CommandIo) => Promise<number>, argv: readonly string[]): Promise<CommandRun> {
  let out = '';
  let err = '';
  const code = await command(argv, { out: (text) => { out += text; }, err: (text) => { err += text; } });
  return { code, out, err };
}

export function runInstall(...argv: string[]): Promise<CommandRun> {
  return run(installCommand, argv);
}

export function runUninstall(...argv: string[]): Promise<CommandRun> {
  return run(uninstallCommand, argv);
}

/** The objects of a YAML stream; every document must parse and be an object with apiVersion, kind and a name. */
export function objectsOf(yaml: string): KubeJson[] {
  return parseAllDocuments(yaml).flatMap((document) => {
    assert.equal(document.errors.length, 0, String(document.errors[0]));
    const object: unknown = document.toJS();
    if (object === null) return [];
    const candidate = object as KubeJson;
    assert.ok(typeof candidate.apiVersion === 'string' && typeof candidate.kind === 'string' && typeof candidate.metadata?.name === 'string',
      `not a Kubernetes object: ${JSON.stringify(object).slice(0, 200)}`);
    return [candidate];
  });
}

/** `sinew install ARGS --ignore-cluster`'s objects (the run must succeed). */
export async function rendered(...argv: string[]): Promise<KubeJson[]> {
  const result = await runInstall(...argv, '--ignore-cluster');
  assert.equal(result.code, 0, result.err);
  return objectsOf(result.out);
}

export function only(objects: readonly KubeJson[], kind: string, name: string): KubeJson {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name === name);
  assert.equal(found.length, 1, `expected one ${kind} ${name}; found ${found.length}`);
  return found[0] as KubeJson;
}

export function ofKind(objects: readonly KubeJson[], kind: string): KubeJson[] {
  return objects.filter((object) => object.kind === kind);
}

/** A field at a path of plain property names and array indexes, typed by the caller's check. */
export function at(object: unknown, ...path: (string | number)[]): unknown {
  let current: unknown = object;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** The Deployment's one control-plane container. */
export function containerOf(deployment: KubeJson, name: string): Record<string, unknown> {
  const containers = at(deployment, 'spec', 'template', 'spec', 'containers') as Record<string, unknown>[];
  const found = containers.find((container) => container['name'] === name);
  assert.ok(found !== undefined, `no container ${name} in ${deployment.metadata.name}`);
  return found;
}

export function secretText(secret: KubeJson, key: string): string {
  const data = secret['data'] as Record<string, string>;
  assert.ok(typeof data[key] === 'string', `Secret ${secret.metadata.name} has no ${key}`);
  return Buffer.from(data[key], 'base64').toString('utf8');
}

interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** `group/resource verb` for every grant of a role. */
export function grantsOf(role: KubeJson): string[] {
  const rules = role['rules'] as readonly Rule[];
  return rules.flatMap((rule) => {
    assert.equal(rule.nonResourceURLs, undefined, `${role.metadata.name} grants non-resource URLs`);
    return rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource} ${verb}`)));
  }).sort();
}
