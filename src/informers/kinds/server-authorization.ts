/**
 * Linkerd ServerAuthorizations (the older policy API): which Servers, and which clients (by mesh
 * identity, service account or network, or unauthenticated) may reach them.
 * Fail-closed: one whose spec does not parse is kept as invalid and authorizes no one. The spec is
 * strict: an unknown field makes it invalid instead of being dropped.
 */
import { z } from 'zod';
import { failClosed } from '../fail-closed.js';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';
import { identitySchema } from './mesh-tls-authentication.js';
import { networkSchema } from './network-authentication.js';
import { labelSelectorSchema } from './server.js';

const dnsLabelSchema = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a DNS label');

const serverRefSchema = z.strictObject({
  name: dnsLabelSchema.optional(),
  selector: labelSelectorSchema.optional(),
}).refine(
  (server) => (server.name === undefined) !== (server.selector === undefined),
  { message: 'exactly one of name and selector is required', path: ['name'] },
);

const meshTlsSchema = z.strictObject({
  /** No client identity required (the identity controller's own clients have none yet). */
  unauthenticatedTLS: z.boolean().optional(),
  identities: z.array(identitySchema).optional(),
  /** A service account; absent namespace means the authorization's own. */
  serviceAccounts: z.array(z.strictObject({ name: dnsLabelSchema, namespace: dnsLabelSchema.optional() })).optional(),
});

export const validServerAuthorizationSchema = z.object({
  apiVersion: z.literal(['policy.linkerd.io/v1beta1', 'policy.linkerd.io/v1alpha1']),
  kind: z.literal('ServerAuthorization'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: z.strictObject({
    server: serverRefSchema,
    client: z.strictObject({
      meshTLS: meshTlsSchema.optional(),
      networks: z.array(networkSchema).optional(),
      unauthenticated: z.boolean().optional(),
    }),
  }),
});

export type ValidServerAuthorization = z.infer<typeof validServerAuthorizationSchema>;

export const serverAuthorizationSchema = failClosed(validServerAuthorizationSchema);

export type ServerAuthorization = z.infer<typeof serverAuthorizationSchema>;

export const serverAuthorizationKind: KindSpec<ServerAuthorization> = {
  kind: 'ServerAuthorization', group: 'policy.linkerd.io', version: 'v1beta1', plural: 'serverauthorizations',
  namespaced: true, optional: false, schema: serverAuthorizationSchema,
};
