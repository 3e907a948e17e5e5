/** ReplicaSets: metadata only; their owner references name the Deployment behind a pod. */
import { z } from 'zod';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

export const replicaSetSchema = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('ReplicaSet'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
});

export type ReplicaSet = z.infer<typeof replicaSetSchema>;

export const replicaSetKind: KindSpec<ReplicaSet> = {
  kind: 'ReplicaSet', group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true, optional: false, schema: replicaSetSchema,
};
