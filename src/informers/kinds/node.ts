/** Nodes: zone label, pod CIDRs and addresses (for topology-aware routing and cluster networks). */
import { z } from 'zod';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

export const nodeSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: metadataSchema.omit({ namespace: true }),
  spec: z.object({
    podCIDR: z.string().optional(),
    podCIDRs: z.array(z.string()).optional(),
  }).optional(),
  status: z.object({
    addresses: z.array(z.object({ type: z.string(), address: z.string() })).optional(),
  }).optional(),
});

export type Node = z.infer<typeof nodeSchema>;

export const nodeKind: KindSpec<Node> = {
  kind: 'Node', group: '', version: 'v1', plural: 'nodes', namespaced: false, optional: false, schema: nodeSchema,
};
