/**
 * One request sent onward, and its answer, independent of the HTTP version on either side. The
 * connectors (http1-connector.ts, h2-connector.ts) speak to one endpoint each; the data path
 * picks the connector and relays the answer (relay-response.ts).
 *
 * Contract: `send` resolves once the upstream's response head arrived, and rejects with a
 * ProxyError otherwise: `connect-failed` when no connection could be made (the request never
 * left, so it may be retried elsewhere), `upstream-failed` when the connection broke before a
 * response, or the abort reason when `signal` fired first. After `send` resolves, body errors
 * surface on `response.body`.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  /** End-to-end headers only (hop-headers.ts). */
  readonly headers: OutgoingHttpHeaders;
  /** A stream, a buffered body (replayable, for retries), or undefined when there is none. */
  readonly body: Readable | Buffer | undefined;
  /** Set when an HTTP/1 request travels over HTTP/2 between proxies (`l5d-orig-proto`). */
  readonly origProto?: string;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
  /** The trailers, once `body` ended (undefined when there were none). */
  trailers(): IncomingHttpHeaders | undefined;
  /**
   * The response was one header block that ended the stream (gRPC's Trailers-Only form, how a
   * gRPC server answers an error): it must reach the client in the same form, or a gRPC client
   * reads "call ended without gRPC status" instead of the status the server sent.
   */
  readonly trailersOnly?: boolean;
}

export interface HttpConnector {
  send(request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse>;
  /** Closes idle connections; requests in flight finish. */
  close(): void;
}
