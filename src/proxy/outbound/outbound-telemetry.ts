/**
 * What the outbound data path reports, as narrow callbacks: the composition root implements them
 * on the proxy's metrics (proxy-telemetry.ts), tests can implement them to observe.
 */
import type net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../discovery/endpoint-set.js';
import type { ProxyError } from '../http/proxy-error.js';
import type { OutboundConnection } from './outbound-connection.js';

export interface OutboundTcpSession {
  /** The endpoint the connection went to, the logical authority if known, and whether TLS was used. */
  endpoint(endpoint: Endpoint, meshed: boolean, authority: string | undefined): void;
  /** The connection closed; its byte counts are read from the accepted socket. */
  close(error: Error | undefined): void;
}

export interface OutboundExchange {
  /** The endpoint an attempt went to, the backend's authority if known, and whether it was reached over mutual TLS. */
  endpoint(endpoint: Endpoint, meshed: boolean, authority: string | undefined): void;
  responded(status: number): void;
  finished(trailers: IncomingHttpHeaders | undefined): void;
  failed(error: ProxyError): void;
}

export interface OutboundTelemetry {
  connection(socket: net.Socket, connection: OutboundConnection): OutboundTcpSession;
  request(connection: OutboundConnection): OutboundExchange;
}
