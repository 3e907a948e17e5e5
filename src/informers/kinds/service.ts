/** Services: type, cluster IPs, ports, selector and traffic policy; what discovery needs to resolve an authority. */
import { z } from 'zod';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

const servicePortSchema = z.object({
  name: z.string().optional(),
  port: z.number().int().min(1).max(65535),
  targetPort: z.union([z.number().int(), z.string()]).optional(),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
});

export const serviceSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: z.object({
    /** ClusterIP, NodePort, LoadBalancer or ExternalName; absent means ClusterIP. */
    type: z.string().optional(),
    /** An address, or `None` for a headless service. */
    clusterIP: z.string().optional(),
    clusterIPs: z.array(z.string()).optional(),
    ports: z.array(servicePortSchema).optional(),
    selector: z.record(z.string(), z.string()).optional(),
    internalTrafficPolicy: z.string().optional(),
    externalName: z.string().optional(),
  }),
});

export type Service = z.infer<typeof serviceSchema>;
export type ServicePort = z.infer<typeof servicePortSchema>;

export const serviceKind: KindSpec<Service> = {
  kind: 'Service', group: '', version: 'v1', plural: 'services', namespaced: true, optional: false, schema: serviceSchema,
};
