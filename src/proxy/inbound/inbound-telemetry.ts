/**
 * What the inbound data path reports, as narrow callbacks: the composition root implements them
 * on the proxy's metrics (proxy-telemetry.ts), tests can implement them to observe.
 */
import type net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyError } from '../http/proxy-error.js';
import type { ConnectionVerdict, RequestVerdict } from '../policy/inbound-authorizer.js';
import type { InboundConnection } from './inbound-connection.js';

export interface TcpSession {
  /** The connection closed; its byte counts are read from the accepted socket. */
  close(error: Error | undefined): void;
}

export interface HttpExchange {
  responded(status: number): void;
  finished(trailers: IncomingHttpHeaders | undefined): void;
  failed(error: ProxyError): void;
}

export interface InboundTelemetry {
  /** A connection accepted (after TLS), counted until it closes. */
  connection(socket: net.Socket, connection: InboundConnection): TcpSession;
  /** The policy's decision on an opaque connection. */
  tcpAuthorized(connection: InboundConnection, verdict: ConnectionVerdict): void;
  /** One HTTP request and the policy's decision on it. */
  request(connection: InboundConnection, verdict: RequestVerdict): HttpExchange;
}
