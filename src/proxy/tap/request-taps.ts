/**
 * Where the data path meets the taps: what an inbound or outbound request looks like to a tap
 * filter (its facts) and to a tap client (the event's peers and their metadata), as Linkerd's
 * proxy reports them.
 *
 * Inbound: the source is the client's address, with `tls=true` and `client_id` for a meshed
 * client, `tls=true` for TLS without a client identity, else the reason there is none
 * (`loopback`, `no_tls_from_remote`); the destination is the application's address, with no
 * metadata (the tap server adds the pod's). Outbound: the source is the application (`tls=loopback`),
 * the destination the endpoint the request was sent to, with the labels service discovery gave it
 * and `tls=true`/`server_id` when it is reached over mutual TLS, else the reason. An outbound
 * request is offered to the taps once its first endpoint is chosen (retries are not new requests);
 * one that fails before that is not tapped.
 *
 * Callers check `registry.active` first; these functions are only for when a tap is live.
 */
import type { Endpoint } from '../discovery/endpoint-set.js';
import type { DownstreamRequest } from '../http/downstream.js';
import { authorityOf } from '../http/hop-headers.js';
import type { ProxyError } from '../http/proxy-error.js';
import type { UpstreamResponse } from '../http/upstream.js';
import type { InboundConnection } from '../inbound/inbound-connection.js';
import type { OutboundConnection } from '../outbound/outbound-connection.js';
import { isLoopback } from '../admin-server.js';
import { toIpAddress } from '../../streams/destination/ip-address.js';
import { type HttpTap, startHttpTap, type TapEventBase, type TappedRequest } from './http-tap.js';
import type { TapPeer, TapRequestFacts } from './tap-match.js';
import type { TapRegistry } from './tap-registry.js';

/** An outbound request's tap, waiting for the endpoint it goes to. */
export interface OutboundHttpTap extends HttpTap {
  endpoint(endpoint: Endpoint, meshed: boolean): void;
}

const noLabels: Readonly<Record<string, string>> = Object.freeze({});

function tappedRequest(request: DownstreamRequest): TappedRequest {
  const target = request.url ?? '/';
  const query = target.indexOf('?');
  const scheme = request.headers[':scheme'];
  return {
    method: request.method ?? 'GET',
    scheme: typeof scheme === 'string' ? scheme : /^https?:\/\//i.exec(target)?.[0].slice(0, -3).toLowerCase(),
    authority: authorityOf(request.headers),
    path: query < 0 ? target : target.slice(0, query),
    headers: request.headers,
    http2: request.httpVersion.startsWith('2'),
  };
}

function facts(request: TappedRequest, source: TapPeer, destination: TapPeer, destinationLabels: Readonly<Record<string, string>>): TapRequestFacts {
  return {
    source, destination, destinationLabels, routeLabels: noLabels,
    method: request.method, scheme: request.scheme, authority: request.authority, path: request.path,
  };
}

function address(peer: TapPeer) {
  return { ip: toIpAddress(peer.ip) ?? null, port: peer.port };
}

function sourceOf(request: DownstreamRequest, ip: string): TapPeer {
  return { ip, port: request.socket?.remotePort ?? 0 };
}

function inboundTlsLabels(connection: InboundConnection): Record<string, string> {
  const tls = connection.client.tls;
  if (tls.kind === 'mesh') return { tls: 'true', client_id: tls.identity };
  if (tls.kind === 'tls') return { tls: 'true', client_id: '' };
  return { tls: isLoopback(connection.client.ip) ? 'loopback' : 'no_tls_from_remote' };
}

/** Offers an inbound request to the taps; undefined when none took it. */
export function tapInbound(registry: TapRegistry, request: DownstreamRequest, connection: InboundConnection): HttpTap | undefined {
  const tapped = tappedRequest(request);
  const source = sourceOf(request, connection.client.ip);
  const destination = { ip: connection.target.host, port: connection.target.port };
  const claims = registry.claims(facts(tapped, source, destination, noLabels));
  if (claims.length === 0) return undefined;
  const base: TapEventBase = {
    source: address(source), source_meta: { labels: inboundTlsLabels(connection) },
    destination: address(destination), proxy_direction: 'INBOUND', route_meta: { labels: {} },
  };
  return startHttpTap(claims, base, tapped);
}

function outboundTlsLabels(endpoint: Endpoint, meshed: boolean): Record<string, string> {
  if (meshed && endpoint.tlsIdentity !== undefined) return { tls: 'true', server_id: endpoint.tlsIdentity.name };
  return { tls: isLoopback(endpoint.ip) ? 'loopback' : 'not_provided_by_service_discovery' };
}

/** An outbound request's tap; it offers the request to the taps at its first endpoint. */
export function tapOutbound(registry: TapRegistry, request: DownstreamRequest, connection: OutboundConnection): OutboundHttpTap {
  const tapped = tappedRequest(request);
  const source = sourceOf(request, (request.socket?.remoteAddress ?? connection.target.host).replace(/^::ffff:/, ''));
  let started: HttpTap | undefined;
  let offered = false;
  return {
    endpoint: (endpoint, meshed) => {
      if (offered) return;
      offered = true;
      const destination = { ip: endpoint.ip, port: endpoint.port };
      const claims = registry.claims(facts(tapped, source, destination, endpoint.labels));
      if (claims.length === 0) return;
      started = startHttpTap(claims, {
        source: address(source), source_meta: { labels: { tls: 'loopback' } },
        destination: address(destination), destination_meta: { labels: { ...endpoint.labels, ...outboundTlsLabels(endpoint, meshed) } },
        proxy_direction: 'OUTBOUND', route_meta: { labels: {} },
      }, tapped);
    },
    relaying: (upstream: UpstreamResponse) => started?.relaying(upstream),
    answered: (status, headers) => started?.answered(status, headers),
    failed: (error: ProxyError, grpc: boolean) => started?.failed(error, grpc),
  };
}
