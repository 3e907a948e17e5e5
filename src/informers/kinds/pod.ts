/** Pods: addresses, owners, service account, ports and HTTP probes. Container env is never kept. */
import { z } from 'zod';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

const intOrString = z.union([z.number().int(), z.string()]);

const httpProbeSchema = z.object({
  httpGet: z.object({ path: z.string().optional(), port: intOrString, scheme: z.string().optional() }).optional(),
});

const containerSchema = z.object({
  name: z.string(),
  image: z.string().optional(),
  ports: z.array(z.object({
    name: z.string().optional(),
    containerPort: z.number().int().min(1).max(65535),
    protocol: z.string().optional(),
  })).optional(),
  livenessProbe: httpProbeSchema.optional(),
  readinessProbe: httpProbeSchema.optional(),
  restartPolicy: z.string().optional(),
});

export const podSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: z.object({
    nodeName: z.string().optional(),
    hostname: z.string().optional(),
    subdomain: z.string().optional(),
    hostNetwork: z.boolean().optional(),
    serviceAccountName: z.string().optional(),
    containers: z.array(containerSchema),
    initContainers: z.array(containerSchema).optional(),
  }),
  status: z.object({
    phase: z.string().optional(),
    podIP: z.string().optional(),
    podIPs: z.array(z.object({ ip: z.string() })).optional(),
    hostIP: z.string().optional(),
  }).optional(),
});

export type Pod = z.infer<typeof podSchema>;

export const podKind: KindSpec<Pod> = {
  kind: 'Pod', group: '', version: 'v1', plural: 'pods', namespaced: true, optional: false, schema: podSchema,
};
