/**
 * Runs `sinew viz install` / `sinew viz uninstall` in-process with a captured CommandIo, with trust
 * anchors written to a file (a fresh root CA), and reads what they print back as objects.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { CommandIo } from '../../src/cli/command-io.js';
import { vizInstallCommand } from '../../src/cli/viz-install.js';
import { vizUninstallCommand } from '../../src/cli/viz-uninstall.js';
import { tempDir } from '../support/engine-harness.js';
import { rootCa } from '../identity/pki-fixtures.js';
import { type CommandRun, type KubeJson, objectsOf } from '../install/install-run.js';

async function run(command: (argv: readonly string[], io: CommandIo) => Promise<number>, argv: readonly string[]): Promise<CommandRun> {
  let out = '';
  let err = '';
  const code = await command(argv, { out: (text) => { out += text; }, err: (text) => { err += text; } });
  return { code, out, err };
}

export function runVizInstall(...argv: string[]): Promise<CommandRun> {
  return run(vizInstallCommand, argv);
}

export function runVizUninstall(...argv: string[]): Promise<CommandRun> {
  return run(vizUninstallCommand, argv);
}

/** A directory holding `anchors.pem` (a fresh ECDSA root CA); `remove` deletes it. */
export interface AnchorsFile {
  readonly dir: string;
  readonly file: string;
  readonly pem: string;
  remove(): void;
}

export async function anchorsFile(): Promise<AnchorsFile> {
  const dir = tempDir('sinew-viz-install-');
  const file = path.join(dir, 'anchors.pem');
  const { pem } = await rootCa();
  fs.writeFileSync(file, pem);
  return { dir, file, pem, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** `sinew viz install --ignore-cluster --identity-trust-anchors-file FILE ARGS`'s objects (the run must succeed). */
export async function renderedViz(anchors: AnchorsFile, ...argv: string[]): Promise<KubeJson[]> {
  const result = await runVizInstall('--ignore-cluster', '--identity-trust-anchors-file', anchors.file, ...argv);
  assert.equal(result.code, 0, result.err);
  return objectsOf(result.out);
}

/** `Kind/namespace/name` (or `Kind/name`) of each object. */
export function refsOf(objects: readonly KubeJson[]): string[] {
  return objects.map((object) => [object.kind, object.metadata.namespace, object.metadata.name].filter((part) => part !== undefined).join('/'));
}
