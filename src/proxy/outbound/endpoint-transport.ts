/**
 * How the outbound side reaches one endpoint. A meshed endpoint (Destination gave it a TLS
 * identity) is reached over mutual TLS, checked against that identity: HTTP rides one long-lived
 * HTTP/2 connection per endpoint (HTTP/1 requests carried with `l5d-orig-proto`), opaque TCP gets
 * its own TLS connection, sent to the endpoint proxy's inbound port with a transport header when
 * Destination gave an `opaque_transport` hint. Other endpoints get plaintext in the client's own
 * protocol.
 *
 * Fail closed: when the endpoint is meshed and this proxy has no valid certificate, the
 * connection fails (`identity-unavailable`); it is never made in plaintext instead. Only a proxy
 * whose identity is disabled altogether speaks plaintext to meshed endpoints.
 *
 * Connectors are cached per endpoint and kind; `release` forgets an endpoint's connectors and
 * closes them gracefully 5 s later (requests in flight on them, or about to start on them, finish).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../discovery/endpoint-set.js';
import { h2Connector } from '../http/h2-connector.js';
import { http1Connector } from '../http/http1-connector.js';
import { ProxyError } from '../http/proxy-error.js';
import type { HttpConnector } from '../http/upstream.js';
import type { LocalIdentity } from '../local-identity.js';
import { encodeTransportHeader, transportAlpn } from '../tcp/transport-header.js';
import { clientTlsOptions } from '../tls-contexts.js';

export interface EndpointTransportOptions {
  /** The proxy's certificate: undefined while it has none; `identityEnabled` false means never. */
  readonly identity: () => LocalIdentity | undefined;
  readonly identityEnabled: boolean;
  readonly connectTimeoutMs: number;
  readonly http2KeepAliveMs: number;
  /** The source address of connections to endpoints (SINEW_PROXY_OUTBOUND_BIND_HOST); the kernel's choice when undefined. */
  readonly localAddress?: string | undefined;
}

export type HttpKind = 'http1' | 'h2';

const releaseDelayMs = 5_000;

export interface EndpointTransport {
  http(endpoint: Endpoint, kind: HttpKind): { readonly connector: HttpConnector; readonly meshed: boolean };
  /** Whether the endpoint is reached over mutual TLS. */
  meshed(endpoint: Endpoint): boolean;
  tcp(endpoint: Endpoint): Duplex;
  release(key: string): void;
  close(): void;
}

export function endpointTransport(options: EndpointTransportOptions): EndpointTransport {
  const connectors = new Map<string, Map<string, HttpConnector>>();
  const meshedTls = (endpoint: Endpoint, port: number, alpn: readonly string[]): tls.TLSSocket => {
    const serverName = endpoint.tlsIdentity?.serverName ?? '';
    const identity = options.identity();
    if (identity === undefined) throw new ProxyError('identity-unavailable', `no valid certificate to reach ${serverName}; refusing plaintext`);
    const socket = tls.connect({ ...clientTlsOptions(identity, serverName, alpn), host: endpoint.ip, port, localAddress: options.localAddress } as tls.ConnectionOptions);
    socket.setNoDelay(true);
    return socket;
  };
  const meshed = (endpoint: Endpoint): boolean => endpoint.tlsIdentity !== undefined && options.identityEnabled;
  const build = (endpoint: Endpoint, kind: HttpKind): HttpConnector => {
    if (meshed(endpoint)) {
      return h2Connector({
        name: endpoint.key, scheme: 'https', connectTimeoutMs: options.connectTimeoutMs, keepAliveIntervalMs: options.http2KeepAliveMs,
        connect: () => meshedTls(endpoint, endpoint.port, ['h2']),
      });
    }
    if (kind === 'http1') return http1Connector({ host: endpoint.ip, port: endpoint.port, connectTimeoutMs: options.connectTimeoutMs, localAddress: options.localAddress });
    return h2Connector({
      name: endpoint.key, scheme: 'http', connectTimeoutMs: options.connectTimeoutMs, keepAliveIntervalMs: options.http2KeepAliveMs,
      connect: () => net.connect({ host: endpoint.ip, port: endpoint.port, noDelay: true, localAddress: options.localAddress }),
    });
  };
  return {
    meshed,
    http: (endpoint, kind) => {
      const isMeshed = meshed(endpoint);
      const slot = isMeshed ? 'mesh' : kind;
      let byKind = connectors.get(endpoint.key);
      if (byKind === undefined) {
        byKind = new Map();
        connectors.set(endpoint.key, byKind);
      }
      let connector = byKind.get(slot);
      if (connector === undefined) {
        connector = build(endpoint, kind);
        byKind.set(slot, connector);
      }
      return { connector, meshed: isMeshed };
    },
    tcp: (endpoint) => {
      if (!meshed(endpoint)) return net.connect({ host: endpoint.ip, port: endpoint.port, noDelay: true, localAddress: options.localAddress });
      if (endpoint.opaqueTransportPort === undefined) return meshedTls(endpoint, endpoint.port, []);
      const socket = meshedTls(endpoint, endpoint.opaqueTransportPort, [transportAlpn]);
      socket.write(encodeTransportHeader({ port: endpoint.port, name: '' }));
      return socket;
    },
    release: (key) => {
      const byKind = connectors.get(key);
      if (byKind === undefined) return;
      connectors.delete(key);
      // A request that picked the endpoint just before it was removed may not have opened its
      // stream yet: close only after a moment, then gracefully (streams open on it finish).
      setTimeout(() => { for (const connector of byKind.values()) connector.close(); }, releaseDelayMs).unref();
    },
    close: () => {
      for (const byKind of connectors.values()) for (const connector of byKind.values()) connector.close();
      connectors.clear();
    },
  };
}
