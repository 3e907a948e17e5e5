/**
 * A tap's filter (`ObserveRequest.Match`) compiled once into a predicate over a request's facts,
 * with Linkerd's proxy semantics:
 *
 * - `all` holds when every member does (an empty `all` always holds), `any` when one does (an
 *   empty `any` never does), `not` inverts; members of a sequence that set nothing are skipped.
 * - `source` / `destination`: a netmask (the address's family must be the mask's) or an inclusive
 *   port range, a bound left at 0 taking the other's value. A request with no known destination
 *   matches no destination filter.
 * - `http`: scheme (case-insensitive; a request without one is `http`), method (exact), authority
 *   and path (exact or prefix; the path without its query). A request without an authority
 *   matches no authority filter.
 * - `destination_label` / `route_label`: the label is present with exactly that value.
 *
 * Compiling refuses, with a `TapMatchError` naming the field (`match.all[1].http.method`), a
 * filter that sets nothing where something is required, a port over 65535, a netmask of 0 bits or
 * longer than its family, an unknown method or scheme, and an empty label key or value. Pure.
 */
import type { _io_linkerd_proxy_tap_ObserveRequest_Match__Output as Match } from '../../gen/proto/io/linkerd/proxy/tap/ObserveRequest.js';
import type { _io_linkerd_proxy_tap_ObserveRequest_Match_Http__Output as HttpMatch } from '../../gen/proto/io/linkerd/proxy/tap/ObserveRequest.js';
import type { _io_linkerd_proxy_tap_ObserveRequest_Match_Http_StringMatch__Output as StringMatch } from '../../gen/proto/io/linkerd/proxy/tap/ObserveRequest.js';
import type { _io_linkerd_proxy_tap_ObserveRequest_Match_Tcp__Output as TcpMatch } from '../../gen/proto/io/linkerd/proxy/tap/ObserveRequest.js';
import { fromIpAddress } from '../../streams/destination/ip-address.js';
import { ipNetwork, networkHas, parseIp } from '../policy/ip-match.js';
import { methodName, schemeName } from './tap-proto.js';

export interface TapPeer {
  readonly ip: string;
  readonly port: number;
}

/** What a tap filter can look at in one request. */
export interface TapRequestFacts {
  readonly source: TapPeer;
  readonly destination: TapPeer | undefined;
  readonly destinationLabels: Readonly<Record<string, string>>;
  readonly routeLabels: Readonly<Record<string, string>>;
  readonly method: string;
  /** `http`, `https`, or undefined when the request line carried none (HTTP/1 origin form). */
  readonly scheme: string | undefined;
  readonly authority: string | undefined;
  /** Without the query. */
  readonly path: string;
}

export type TapPredicate = (facts: TapRequestFacts) => boolean;

/** A tap filter that cannot be used; the message names the field. */
export class TapMatchError extends Error {
  override readonly name = 'TapMatchError';
}

const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Compiles the root filter (required). */
export function compileMatch(match: Match | null | undefined): TapPredicate {
  return compile(match, 'match');
}

function compile(match: Match | null | undefined, at: string): TapPredicate {
  if (match == null || match.match === undefined) throw new TapMatchError(`${at}: sets no filter`);
  switch (match.match) {
    case 'all': {
      const members = sequence(match.all?.matches ?? [], `${at}.all`);
      return (facts) => members.every((member) => member(facts));
    }
    case 'any': {
      const members = sequence(match.any?.matches ?? [], `${at}.any`);
      return (facts) => members.some((member) => member(facts));
    }
    case 'not': {
      const inner = compile(match.not, `${at}.not`);
      return (facts) => !inner(facts);
    }
    case 'source': {
      const test = tcp(match.source, `${at}.source`);
      return (facts) => test(facts.source);
    }
    case 'destination': {
      const test = tcp(match.destination, `${at}.destination`);
      return (facts) => facts.destination !== undefined && test(facts.destination);
    }
    case 'http':
      return http(match.http, `${at}.http`);
    case 'destination_label': {
      const { key, value } = label(match.destination_label, `${at}.destination_label`);
      return (facts) => facts.destinationLabels[key] === value;
    }
    case 'route_label': {
      const { key, value } = label(match.route_label, `${at}.route_label`);
      return (facts) => facts.routeLabels[key] === value;
    }
  }
}

function sequence(members: readonly Match[], at: string): TapPredicate[] {
  return members.flatMap((member, index) => (member.match === undefined ? [] : [compile(member, `${at}[${index}]`)]));
}

function label(match: { key: string; value: string } | null | undefined, at: string): { key: string; value: string } {
  if (match == null || match.key === '' || match.value === '') throw new TapMatchError(`${at}: needs a key and a value`);
  return { key: match.key, value: match.value };
}

function tcp(match: TcpMatch | null | undefined, at: string): (peer: TapPeer) => boolean {
  if (match == null || match.match === undefined) throw new TapMatchError(`${at}: sets neither netmask nor ports`);
  if (match.match === 'ports') {
    const range = match.ports ?? { min: 0, max: 0 };
    const min = range.min === 0 ? range.max : range.min;
    const max = range.max === 0 ? range.min : range.max;
    if (min === 0 || max === 0) throw new TapMatchError(`${at}.ports: sets no port`);
    if (min > 65535 || max > 65535) throw new TapMatchError(`${at}.ports: ${Math.max(min, max)} is not a port number`);
    return (peer) => min <= peer.port && peer.port <= max;
  }
  const mask = match.netmask;
  const address = fromIpAddress(mask?.ip);
  if (mask == null || address === undefined) throw new TapMatchError(`${at}.netmask: sets no address`);
  if (mask.mask === 0) throw new TapMatchError(`${at}.netmask: a mask of 0 bits`);
  const network = ipNetwork(address, mask.mask);
  if (network === undefined) throw new TapMatchError(`${at}.netmask: ${address}/${mask.mask} is not a network`);
  return (peer) => {
    const bits = parseIp(peer.ip);
    return bits !== undefined && networkHas(network, bits);
  };
}

function http(match: HttpMatch | null | undefined, at: string): TapPredicate {
  if (match == null || match.match === undefined) throw new TapMatchError(`${at}: sets no filter`);
  switch (match.match) {
    case 'scheme': {
      const scheme = schemeName(match.scheme)?.toLowerCase();
      if (scheme === undefined || !/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw new TapMatchError(`${at}.scheme: not a scheme`);
      return (facts) => (facts.scheme ?? 'http').toLowerCase() === scheme;
    }
    case 'method': {
      const method = methodName(match.method);
      if (method === undefined || !token.test(method)) throw new TapMatchError(`${at}.method: not an HTTP method`);
      return (facts) => facts.method === method;
    }
    case 'authority': {
      const test = text(match.authority, `${at}.authority`);
      return (facts) => facts.authority !== undefined && test(facts.authority);
    }
    case 'path': {
      const test = text(match.path, `${at}.path`);
      return (facts) => test(facts.path);
    }
  }
}

function text(match: StringMatch | null | undefined, at: string): (value: string) => boolean {
  if (match?.match === 'exact' && match.exact !== undefined) {
    const exact = match.exact;
    return (value) => value === exact;
  }
  if (match?.match === 'prefix' && match.prefix !== undefined) {
    const prefix = match.prefix;
    return (value) => value.startsWith(prefix);
  }
  throw new TapMatchError(`${at}: sets neither exact nor prefix`);
}
