/**
 * The CustomResourceDefinitions `sinew install --crds` prints: `manifests/crds/*.yaml`, one CRD a
 * file, in file-name order. YAML aliases in the files are resolved (the output has none), and each
 * CRD is labelled with the control plane's namespace, as Linkerd's CRD chart labels them.
 *
 * A file that does not parse, or is not one CRD naming its group, kind, plural and versions with
 * exactly one storage version, is a `CrdManifestError` naming the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { labelNames, type Manifest } from './manifest.js';

export const crdDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'manifests', 'crds');

export class CrdManifestError extends Error {
  override readonly name = 'CrdManifestError';
}

const crdSchema = z.looseObject({
  apiVersion: z.literal('apiextensions.k8s.io/v1'),
  kind: z.literal('CustomResourceDefinition'),
  metadata: z.looseObject({ name: z.string().min(1), labels: z.record(z.string(), z.string()).optional() }),
  spec: z.looseObject({
    group: z.string().min(1),
    names: z.looseObject({ kind: z.string().min(1), plural: z.string().min(1) }),
    versions: z.array(z.looseObject({ name: z.string().min(1), served: z.boolean(), storage: z.boolean() })).min(1),
  }),
}).refine((crd) => crd.spec.versions.filter((version) => version.storage).length === 1, { message: 'exactly one version must be the storage version' })
  .refine((crd) => crd.metadata.name === `${crd.spec.names.plural}.${crd.spec.group}`, { message: 'metadata.name must be <plural>.<group>' });

export type CrdManifest = z.infer<typeof crdSchema> & Manifest;

/** What the cluster must serve for the control plane to start: each CRD's name and storage version. */
export interface CrdRequirement {
  readonly name: string;
  readonly version: string;
}

function readCrd(file: string): z.infer<typeof crdSchema> {
  const documents = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  if ('empty' in documents || documents.length !== 1) throw new CrdManifestError(`${file}: expected exactly one YAML document`);
  const [document] = documents;
  if (document === undefined || document.errors.length > 0) {
    throw new CrdManifestError(`${file}: does not parse: ${document?.errors[0]?.message ?? 'no document'}`);
  }
  const parsed = crdSchema.safeParse(document.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CrdManifestError(`${file}: not a CustomResourceDefinition Sinew can install: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
  }
  return parsed.data;
}

export function crdManifests(namespace: string, directory: string = crdDirectory): CrdManifest[] {
  const files = fs.readdirSync(directory).filter((name) => name.endsWith('.yaml')).sort();
  if (files.length === 0) throw new CrdManifestError(`${directory}: no CRD manifests`);
  return files.map((name) => {
    const crd = readCrd(path.join(directory, name));
    return { ...crd, metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, [labelNames.controlPlaneNs]: namespace } } };
  });
}

export function crdRequirements(crds: readonly CrdManifest[]): CrdRequirement[] {
  return crds.map((crd) => ({ name: crd.metadata.name, version: crd.spec.versions.find((version) => version.storage)?.name ?? '' }));
}
