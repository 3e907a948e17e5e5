/** Namespaces: only metadata; their `linkerd.io/inject` and `config.linkerd.io/*` labels and annotations are defaults for their pods. */
import { z } from 'zod';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

export const namespaceSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Namespace'),
  metadata: metadataSchema.omit({ namespace: true }),
});

export type Namespace = z.infer<typeof namespaceSchema>;

export const namespaceKind: KindSpec<Namespace> = {
  kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', namespaced: false, optional: false, schema: namespaceSchema,
};
