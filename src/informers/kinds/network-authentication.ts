/**
 * Linkerd NetworkAuthentications: client networks an AuthorizationPolicy may require.
 * Fail-closed: a bad network makes the whole object invalid, so it authenticates no one; so does a
 * field Sinew does not know (the spec is strict).
 */
import { z } from 'zod';
import { failClosed } from '../fail-closed.js';
import { parseNetwork } from '../ip-network.js';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

/** True for an IP address, or an IP network written `<address>/<prefix length>`. */
export function isCidrOrAddress(text: string): boolean {
  return parseNetwork(text) !== undefined;
}

export const cidrSchema = z.string().refine(isCidrOrAddress, 'expected an IP network (CIDR) or address');

/** A network, less the sub-networks and addresses listed in `except`. */
export const networkSchema = z.strictObject({
  cidr: cidrSchema,
  except: z.array(cidrSchema).optional(),
});

export type Network = z.infer<typeof networkSchema>;

export const validNetworkAuthenticationSchema = z.object({
  apiVersion: z.literal('policy.linkerd.io/v1alpha1'),
  kind: z.literal('NetworkAuthentication'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
  spec: z.strictObject({
    networks: z.array(networkSchema),
  }),
});

export type ValidNetworkAuthentication = z.infer<typeof validNetworkAuthenticationSchema>;

export const networkAuthenticationSchema = failClosed(validNetworkAuthenticationSchema);

export type NetworkAuthentication = z.infer<typeof networkAuthenticationSchema>;

export const networkAuthenticationKind: KindSpec<NetworkAuthentication> = {
  kind: 'NetworkAuthentication', group: 'policy.linkerd.io', version: 'v1alpha1', plural: 'networkauthentications',
  namespaced: true, optional: false, schema: networkAuthenticationSchema,
};
