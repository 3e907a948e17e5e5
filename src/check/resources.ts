/**
 * The objects the checks read from the API server, as zod projections of the fields they use, and
 * where each lives. API answers are untrusted input: a check parses what it reads here and fails
 * with the parse error rather than guess.
 */
import { z } from 'zod';

const labels = z.record(z.string(), z.string()).optional();

export const metadataSchema = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  labels,
  annotations: labels,
});

export const namedSchema = z.object({ metadata: metadataSchema });

export const configMapSchema = z.object({
  metadata: metadataSchema,
  data: z.record(z.string(), z.string()).optional(),
});
export type ConfigMap = z.infer<typeof configMapSchema>;

export const secretSchema = z.object({
  metadata: metadataSchema,
  type: z.string().optional(),
  /** base64 values, as the API serves them. */
  data: z.record(z.string(), z.string()).optional(),
});
export type Secret = z.infer<typeof secretSchema>;

const envVar = z.object({ name: z.string(), value: z.string().optional() });
const container = z.object({ name: z.string(), image: z.string().optional(), env: z.array(envVar).optional(), restartPolicy: z.string().optional() });
const containerStatus = z.object({ name: z.string(), ready: z.boolean().optional(), image: z.string().optional() });

export const podSchema = z.object({
  metadata: metadataSchema,
  spec: z.object({ containers: z.array(container), initContainers: z.array(container).optional() }),
  status: z.object({
    phase: z.string().optional(),
    reason: z.string().optional(),
    conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() })).optional(),
    containerStatuses: z.array(containerStatus).optional(),
    initContainerStatuses: z.array(containerStatus).optional(),
  }).optional(),
});
export type Pod = z.infer<typeof podSchema>;

export const deploymentSchema = z.object({
  metadata: metadataSchema,
  spec: z.object({ selector: z.object({ matchLabels: z.record(z.string(), z.string()).optional() }) }),
});
export type Deployment = z.infer<typeof deploymentSchema>;

export const replicaSetSchema = z.object({
  metadata: metadataSchema,
  status: z.object({
    conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() })).optional(),
  }).optional(),
});

export const crdSchema = z.object({
  metadata: metadataSchema,
  spec: z.object({
    group: z.string(),
    versions: z.array(z.object({ name: z.string(), served: z.boolean(), storage: z.boolean() })),
  }),
});
export type CustomResourceDefinition = z.infer<typeof crdSchema>;

export const webhookConfigurationSchema = z.object({
  metadata: metadataSchema,
  webhooks: z.array(z.object({
    name: z.string(),
    clientConfig: z.object({ caBundle: z.string().optional() }),
    failurePolicy: z.string().optional(),
  })).optional(),
});
export type WebhookConfiguration = z.infer<typeof webhookConfigurationSchema>;

export const nodeSchema = z.object({
  metadata: metadataSchema,
  status: z.object({
    conditions: z.array(z.object({ type: z.string(), status: z.string(), lastHeartbeatTime: z.string().optional() })).optional(),
  }).optional(),
});

export const versionInfoSchema = z.object({ major: z.string(), minor: z.string(), gitVersion: z.string() });
export type VersionInfo = z.infer<typeof versionInfoSchema>;

/** API paths of the resources the checks read. */
export const paths = {
  version: '/version',
  namespace: (name: string) => `/api/v1/namespaces/${encodeURIComponent(name)}`,
  configMap: (ns: string, name: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps/${encodeURIComponent(name)}`,
  secret: (ns: string, name: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets/${encodeURIComponent(name)}`,
  serviceAccounts: (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts`,
  pods: (ns: string | undefined) => (ns === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`),
  nodes: '/api/v1/nodes',
  deployments: (ns: string) => `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments`,
  deployment: (ns: string, name: string) => `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments/${encodeURIComponent(name)}`,
  replicaSets: (ns: string) => `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/replicasets`,
  clusterRoles: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  clusterRoleBindings: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  crds: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
  mutatingWebhook: (name: string) => `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(name)}`,
  validatingWebhook: (name: string) => `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${encodeURIComponent(name)}`,
  mutatingWebhooks: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
  validatingWebhooks: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
  selfSubjectAccessReviews: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
} as const;

/** Parses an API answer with a projection; the error names what was read and the first bad field. */
export function parseAs<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`${what} does not parse: ${issue === undefined ? 'invalid' : `${issue.path.join('.')}: ${issue.message}`}`);
}
