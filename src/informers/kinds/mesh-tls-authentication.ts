/**
 * Linkerd MeshTLSAuthentications: client identities (literal, `*`-prefixed, or by reference to
 * ServiceAccounts or Namespaces) an AuthorizationPolicy may require.
 * Fail-closed: a bad identity makes the whole object invalid, so it authenticates no one; so does a
 * field Sinew does not know (the spec is strict).
 */
import { z } from 'zod';
import { failClosed } from '../fail-closed.js';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

/** A proxy identity (DNS-like name), `*.`-prefixed to match a whole domain, or `*` for any authenticated client. */
export const identitySchema = z.string().regex(
  /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  'expected an identity name, a *.-prefixed domain, or *',
);

/** API group of a reference; empty means the core group. */
export const groupSchema = z.string().max(253)
  .regex(/^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'expected an API group');

export const refKindSchema = z.string().min(1).max(63).regex(/^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/, 'expected a kind');

const identityRefSchema = z.strictObject({
  group: groupSchema.optional(),
  kind: refKindSchema,
  /** Absent: every object of the kind in the namespace. */
  name: z.string().min(1).max(253).optional(),
  namespace: z.string().max(253).optional(),
});

export type IdentityRef = z.infer<typeof identityRefSchema>;

const meshTlsSpecSchema = z.strictObject({
  identities: z.array(identitySchema).optional(),
  identityRefs: z.array(identityRefSchema).optional(),
}).refine(
  (spec) => (spec.identities === undefined) !== (spec.identityRefs === undefined),
  { message: 'exactly one of identities and identityRefs is required', path: ['identities'] },
);

export const validMeshTlsAuthenticationSchema = z.object({
  apiVersion: z.literal('policy.linkerd.io/v1alpha1'),
  kind: z.literal('MeshTLSAuthentication'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: meshTlsSpecSchema,
});

export type ValidMeshTlsAuthentication = z.infer<typeof validMeshTlsAuthenticationSchema>;

export const meshTlsAuthenticationSchema = failClosed(validMeshTlsAuthenticationSchema);

export type MeshTlsAuthentication = z.infer<typeof meshTlsAuthenticationSchema>;

export const meshTlsAuthenticationKind: KindSpec<MeshTlsAuthentication> = {
  kind: 'MeshTLSAuthentication', group: 'policy.linkerd.io', version: 'v1alpha1', plural: 'meshtlsauthentications',
  namespaced: true, optional: false, schema: meshTlsAuthenticationSchema,
};
