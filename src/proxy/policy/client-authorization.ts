/**
 * Whether one inbound authorization (`inbound.Authz`) admits a client, as Linkerd's proxy decides:
 * the client's address is in one of its networks and in none of that network's exceptions, and
 * the client's TLS satisfies its authentication:
 * - `unauthenticated`: anyone, plaintext included;
 * - `meshTLS` with `unauthenticated` clients: any TLS connection the proxy terminated (mesh TLS,
 *   with or without a client identity, or other TLS);
 * - `meshTLS` with identities: a mesh TLS client whose identity is one of the names, or ends with
 *   one of the suffixes (`parts` ["ns", "serviceaccount", …] is `.ns.serviceaccount.…`; no
 *   parts, or the single part `*` or "", admits every identity).
 * IPv4-mapped IPv6 client addresses (`::ffff:10.0.0.1`, as a dual-stack socket reports them) are
 * read as the IPv4 address. Compiled once per message; checks allocate nothing. Pure.
 */
import type { Authz__Output } from '../../gen/proto/io/linkerd/proxy/inbound/Authz.js';
import type { IPNetwork__Output } from '../../gen/proto/io/linkerd/proxy/net/IPNetwork.js';
import { fromIpAddress } from '../../streams/destination/ip-address.js';
import { InvalidPolicyError } from './invalid-policy.js';
import { ipNetwork, networkHas, parseIp, type IpBits, type IpNetworkBits } from './ip-match.js';
import { authzLabels, defaultMeta, metaFromLabels, metaOf, type AuthzLabels } from './policy-labels.js';

export type ClientTls =
  | { readonly kind: 'mesh'; readonly identity: string }
  | { readonly kind: 'tls' }
  | { readonly kind: 'plaintext' };

export interface ClientFacts {
  readonly ip: string;
  readonly tls: ClientTls;
  /** The port the client connected to (the server's), for the `srv_port` label. */
  readonly serverPort?: number | undefined;
}

type Authentication =
  | { readonly kind: 'unauthenticated' }
  | { readonly kind: 'tls' }
  | { readonly kind: 'identities'; readonly names: ReadonlySet<string>; readonly suffixes: readonly string[]; readonly any: boolean };

export interface CompiledAuthorization {
  readonly labels: AuthzLabels;
  readonly networks: readonly { readonly net: IpNetworkBits; readonly except: readonly IpNetworkBits[] }[];
  readonly authentication: Authentication;
}

export function compileAuthorization(authz: Authz__Output, where: string): CompiledAuthorization {
  if (authz.networks.length === 0) throw new InvalidPolicyError(`${where}.networks: empty`);
  const networks = authz.networks.map((network, i) => {
    if (network.net === null) throw new InvalidPolicyError(`${where}.networks[${i}].net: missing`);
    const net = networkOf(network.net, `${where}.networks[${i}].net`);
    const except = network.except.map((excluded, j) => networkOf(excluded, `${where}.networks[${i}].except[${j}]`));
    return { net, except };
  });
  const meta = authz.metadata !== null ? metaOf(authz.metadata, where) : metaFromLabels(authz.labels, 'policy.linkerd.io', 'serverauthorization', where);
  return { labels: authzLabels(meta), networks, authentication: authenticationOf(authz, where) };
}

function networkOf(network: IPNetwork__Output, where: string): IpNetworkBits {
  const address = fromIpAddress(network.ip);
  if (address === undefined) throw new InvalidPolicyError(`${where}.ip: not an address`);
  const bits = ipNetwork(address, network.prefix_len);
  if (bits === undefined) throw new InvalidPolicyError(`${where}.prefix_len: ${network.prefix_len} is too long for ${address}`);
  return bits;
}

function authenticationOf(authz: Authz__Output, where: string): Authentication {
  const authn = authz.authentication;
  if (authn === null) throw new InvalidPolicyError(`${where}.authentication: missing`);
  if (authn.unauthenticated != null && authn.permit !== 'meshTLS') return { kind: 'unauthenticated' };
  const mesh = authn.meshTLS;
  if (mesh == null) throw new InvalidPolicyError(`${where}.authentication: neither unauthenticated nor meshTLS`);
  if (mesh.unauthenticated != null && mesh.clients !== 'identities') return { kind: 'tls' };
  const identities = mesh.identities;
  if (identities == null) throw new InvalidPolicyError(`${where}.authentication.meshTLS: no clients`);
  const any = identities.suffixes.some((suffix) => suffix.parts.length === 0 || (suffix.parts.length === 1 && (suffix.parts[0] === '*' || suffix.parts[0] === '')));
  return {
    kind: 'identities',
    names: new Set(identities.identities.map((identity) => identity.name)),
    suffixes: identities.suffixes.filter((suffix) => suffix.parts.length > 0).map((suffix) => `.${suffix.parts.join('.')}`),
    any,
  };
}

/** The address in the form the networks were compiled for; undefined when `ip` is no address. */
export function clientAddress(ip: string): IpBits | undefined {
  return parseIp(ip);
}

export function admits(authorization: CompiledAuthorization, address: IpBits | undefined, tls: ClientTls): boolean {
  return address !== undefined && inNetworks(authorization, address) && authenticated(authorization.authentication, tls);
}

function inNetworks(authorization: CompiledAuthorization, address: IpBits): boolean {
  for (const network of authorization.networks) {
    if (networkHas(network.net, address) && !network.except.some((excluded) => networkHas(excluded, address))) return true;
  }
  return false;
}

function authenticated(authentication: Authentication, tls: ClientTls): boolean {
  switch (authentication.kind) {
    case 'unauthenticated': return true;
    case 'tls': return tls.kind !== 'plaintext';
    case 'identities': {
      if (tls.kind !== 'mesh') return false;
      const { identity } = tls;
      return authentication.any || authentication.names.has(identity) || authentication.suffixes.some((suffix) => identity.endsWith(suffix));
    }
  }
}

/** The authorization Linkerd's proxy adds to every server: anyone from the pod itself. */
export function localhostAuthorization(): CompiledAuthorization {
  const networks = [ipNetwork('127.0.0.1', 32), ipNetwork('::1', 128)].map((net) => ({ net: net as IpNetworkBits, except: [] }));
  return { labels: authzLabels(defaultMeta('localhost')), networks, authentication: { kind: 'unauthenticated' } };
}
