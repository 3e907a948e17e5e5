/**
 * Linkerd NetworkAuthentications: client networks an AuthorizationPolicy may require.
 * Fail-closed: a bad network makes the whole object invalid, so it authenticates no one; so does a
 * field Sinew does not know (the spec is strict).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { failClosed } from '../fail-closed.js';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

/** True for an IP address, or an IP network written `<address>/<prefix length>`. */
export function isCidrOrAddress(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const prefix = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
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
