/**
 * Linkerd Servers: a port on a set of pods (or external workloads) and how to treat its traffic.
 * Fail-closed: a Server whose spec does not parse is kept as invalid, and its port denies. The spec
 * is strict: a field Sinew does not know (say, a restriction added by a newer CRD) makes the
 * Server invalid rather than being dropped, so it can never widen access.
 */
import { z } from 'zod';
import { failClosed } from '../fail-closed.js';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

/** A Kubernetes label selector; an empty one selects everything. */
export const labelSelectorSchema = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(z.strictObject({
    key: z.string().min(1),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(z.string()).optional(),
  })).optional(),
});

export type LabelSelector = z.infer<typeof labelSelectorSchema>;

/** An IANA service name, as a container port name must be: 1-15 of [a-z0-9-], a letter, no edge or double hyphens. */
export const portNameSchema = z.string()
  .regex(/^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/, 'expected a port name (IANA service name)')
  .refine((name) => !name.includes('--'), 'expected a port name (IANA service name)');

export const portNumberSchema = z.number().int().min(1).max(65535);

export const proxyProtocolSchema = z.enum(['unknown', 'HTTP/1', 'HTTP/2', 'gRPC', 'opaque', 'TLS']);

export type ProxyProtocol = z.infer<typeof proxyProtocolSchema>;

/** Linkerd's default policies, the values of `accessPolicy` and `config.linkerd.io/default-inbound-policy`. */
export const defaultPolicySchema = z.enum([
  'all-unauthenticated', 'all-authenticated', 'cluster-unauthenticated', 'cluster-authenticated', 'deny', 'audit',
]);

export type DefaultPolicy = z.infer<typeof defaultPolicySchema>;

const serverSpecSchema = z.strictObject({
  podSelector: labelSelectorSchema.optional(),
  externalWorkloadSelector: labelSelectorSchema.optional(),
  port: z.union([portNumberSchema, portNameSchema]),
  /** Absent means `unknown` (protocol detection). */
  proxyProtocol: proxyProtocolSchema.optional(),
  /** v1beta3: the default for traffic no authorization matches; absent means `deny`. */
  accessPolicy: defaultPolicySchema.optional(),
}).refine(
  (spec) => (spec.podSelector === undefined) !== (spec.externalWorkloadSelector === undefined),
  { message: 'exactly one of podSelector and externalWorkloadSelector is required', path: ['podSelector'] },
);

export const validServerSchema = z.object({
  apiVersion: z.literal(['policy.linkerd.io/v1beta3', 'policy.linkerd.io/v1beta2', 'policy.linkerd.io/v1beta1']),
  kind: z.literal('Server'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: serverSpecSchema,
});

export type ValidServer = z.infer<typeof validServerSchema>;

/**
 * What an invalid Server still says about its target: its port, and its pod selector when that is
 * plain matchLabels (anything else counts as "every pod in the namespace", the safe reading).
 */
const serverSalvageSchema = z.object({
  spec: z.looseObject({ port: z.union([portNumberSchema, portNameSchema]), podSelector: z.unknown().optional() })
    .transform(({ port, podSelector }) => {
      const labels = z.strictObject({ matchLabels: z.record(z.string(), z.string()) }).safeParse(podSelector);
      return labels.success ? { port, podSelector: labels.data } : { port };
    }),
});

export type ServerSalvage = z.infer<typeof serverSalvageSchema>;

export const serverSchema = failClosed(validServerSchema, serverSalvageSchema);

export type Server = z.infer<typeof serverSchema>;

export const serverKind: KindSpec<Server> = {
  kind: 'Server', group: 'policy.linkerd.io', version: 'v1beta3', plural: 'servers', namespaced: true, optional: false,
  schema: serverSchema,
};
