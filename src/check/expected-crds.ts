/**
 * The CustomResourceDefinitions this CLI installs, read from the manifests it renders
 * (`manifests/crds/*.yaml`): each CRD's name and the versions it serves. The check compares the
 * cluster's CRDs with these, so a cluster whose CRDs are older (or newer) than the CLI is caught.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

export interface ExpectedCrd {
  readonly name: string;
  /** Served versions, newest first as the manifest lists them. */
  readonly versions: readonly string[];
}

const crdManifest = z.object({
  kind: z.literal('CustomResourceDefinition'),
  metadata: z.object({ name: z.string() }),
  spec: z.object({ versions: z.array(z.object({ name: z.string(), served: z.boolean() })) }),
});

export const crdManifestDir = fileURLToPath(new URL('../../../manifests/crds/', import.meta.url));

/** Every CRD in the YAML files of `dir`, sorted by name; a CRD document that does not parse is an error. */
export function readExpectedCrds(dir: string = crdManifestDir): readonly ExpectedCrd[] {
  const files = fs.readdirSync(dir).filter((name) => name.endsWith('.yaml') || name.endsWith('.yml')).sort();
  const crds: ExpectedCrd[] = [];
  for (const file of files) {
    for (const document of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      const value: unknown = document.toJS({ maxAliasCount: -1 });
      if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== 'CustomResourceDefinition') continue;
      const parsed = crdManifest.safeParse(value);
      if (!parsed.success) throw new Error(`${path.join(dir, file)}: a CustomResourceDefinition does not parse: ${parsed.error.issues[0]?.message ?? ''}`);
      crds.push({ name: parsed.data.metadata.name, versions: parsed.data.spec.versions.filter((v) => v.served).map((v) => v.name) });
    }
  }
  return crds.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
