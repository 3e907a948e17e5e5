/**
 * EndpointSlices: the addresses behind a Service (named by the `kubernetes.io/service-name` label),
 * with readiness, topology and the pod each address belongs to. The API server prints an empty
 * `endpoints` or `ports` list as `null`; the projection turns that into `[]`.
 */
import { z } from 'zod';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

const endpointSchema = z.object({
  addresses: z.array(z.string()),
  conditions: z.object({
    ready: z.boolean().optional(),
    serving: z.boolean().optional(),
    terminating: z.boolean().optional(),
  }).optional(),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  zone: z.string().optional(),
  hints: z.object({
    forZones: z.array(z.object({ name: z.string() })).optional(),
  }).optional(),
  targetRef: z.object({
    kind: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
  }).optional(),
});

const endpointPortSchema = z.object({
  name: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
});

export const endpointSliceSchema = z.object({
  apiVersion: z.literal('discovery.k8s.io/v1'),
  kind: z.literal('EndpointSlice'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  /** IPv4, IPv6 or FQDN. */
  addressType: z.string(),
  endpoints: z.array(endpointSchema).nullish().transform((endpoints) => endpoints ?? []),
  ports: z.array(endpointPortSchema).nullish().transform((ports) => ports ?? []),
});

export type EndpointSlice = z.infer<typeof endpointSliceSchema>;
export type Endpoint = z.infer<typeof endpointSchema>;
export type EndpointPort = z.infer<typeof endpointPortSchema>;

/** The label that names the Service a slice belongs to. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export const endpointSliceKind: KindSpec<EndpointSlice> = {
  kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true, optional: false,
  schema: endpointSliceSchema,
};
