/**
 * Linkerd AuthorizationPolicies: a target (Server, HTTPRoute, GRPCRoute or Namespace) and the
 * authentications every client must satisfy to reach it.
 * Fail-closed: a policy whose spec does not parse is kept as invalid and authorizes no one. The
 * spec is strict: an unknown field makes the policy invalid instead of being dropped.
 */
import { z } from 'zod';
import { failClosed } from '../fail-closed.js';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';
import { groupSchema, refKindSchema } from './mesh-tls-authentication.js';

const policyRefSchema = z.strictObject({
  group: groupSchema.optional(),
  kind: refKindSchema,
  name: z.string().min(1).max(253),
  namespace: z.string().max(253).optional(),
});

export type PolicyRef = z.infer<typeof policyRefSchema>;

export const validAuthorizationPolicySchema = z.object({
  apiVersion: z.literal('policy.linkerd.io/v1alpha1'),
  kind: z.literal('AuthorizationPolicy'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: z.strictObject({
    targetRef: policyRefSchema,
    requiredAuthenticationRefs: z.array(policyRefSchema),
  }),
});

export type ValidAuthorizationPolicy = z.infer<typeof validAuthorizationPolicySchema>;

export const authorizationPolicySchema = failClosed(validAuthorizationPolicySchema);

export type AuthorizationPolicy = z.infer<typeof authorizationPolicySchema>;

export const authorizationPolicyKind: KindSpec<AuthorizationPolicy> = {
  kind: 'AuthorizationPolicy', group: 'policy.linkerd.io', version: 'v1alpha1', plural: 'authorizationpolicies',
  namespaced: true, optional: false, schema: authorizationPolicySchema,
};
