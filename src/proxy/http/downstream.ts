/**
 * The request the proxy is serving and the response it writes back, whichever HTTP version the
 * client spoke: node:http's IncomingMessage/ServerResponse and node:http2's compatibility
 * Http2ServerRequest/Http2ServerResponse share the parts the proxy uses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { endToEndHeaders } from './hop-headers.js';
import { errorHeaders, isGrpcRequest, type ProxyError } from './proxy-error.js';
import type { UpstreamResponse } from './upstream.js';

export type DownstreamRequest = IncomingMessage | Http2ServerRequest;
export type DownstreamResponse = ServerResponse | Http2ServerResponse;

/** Whether the request carries a body (HTTP/1: a length or chunked; HTTP/2: the stream is open). */
export function hasBody(request: DownstreamRequest): boolean {
  if ('stream' in request) return !request.stream.endAfterHeaders;
  const length = request.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return request.headers['transfer-encoding'] !== undefined;
}

/** Writes `upstream`'s response to `response`, body and trailers included, honouring backpressure. */
export function relayResponse(response: DownstreamResponse, upstream: UpstreamResponse, extra: OutgoingHttpHeaders = {}): Promise<void> {
  return new Promise<void>((resolve) => {
    const headers = { ...endToEndHeaders(upstream.headers), ...extra };
    if (upstream.trailersOnly === true && 'stream' in response) {
      upstream.body.resume();
      respondTrailersOnly(response, upstream.status, headers);
      resolve();
      return;
    }
    writeHead(response, upstream.status, headers);
    const body = upstream.body;
    const finish = (): void => {
      const trailers = upstream.trailers();
      if (trailers !== undefined) addTrailers(response, trailers);
      response.end();
      resolve();
    };
    body.once('end', finish);
    body.once('error', () => {
      destroy(response);
      resolve();
    });
    response.once('close', () => {
      if (!body.readableEnded) body.destroy();
      resolve();
    });
    body.pipe(response as NodeJS.WritableStream, { end: false });
  });
}

/** Answers the request with a proxy error (status and `l5d-proxy-error`), unless headers went out. */
export function respondWithError(request: DownstreamRequest, response: DownstreamResponse, error: ProxyError): void {
  if (response.headersSent) {
    destroy(response);
    return;
  }
  const grpc = isGrpcRequest(request.headers['content-type']);
  if (grpc && 'stream' in response) {
    respondTrailersOnly(response, 200, errorHeaders(error, grpc));
    return;
  }
  writeHead(response, grpc ? 200 : error.response.httpStatus, errorHeaders(error, grpc));
  if (grpc) response.end();
  else response.end(`${error.message}\n`);
}

/** One header block that ends the stream: gRPC's Trailers-Only response. */
function respondTrailersOnly(response: Http2ServerResponse, status: number, headers: OutgoingHttpHeaders): void {
  if (response.stream.destroyed || response.stream.headersSent) return;
  response.stream.respond({ ...headers, ':status': status }, { endStream: true });
}

function writeHead(response: DownstreamResponse, status: number, headers: OutgoingHttpHeaders): void {
  (response as ServerResponse).writeHead(status, headers);
}

function addTrailers(response: DownstreamResponse, trailers: IncomingHttpHeaders): void {
  const clean = endToEndHeaders(trailers);
  if (Object.keys(clean).length === 0) return;
  (response as ServerResponse).addTrailers(clean as Record<string, string>);
}

function destroy(response: DownstreamResponse): void {
  if ('stream' in response) response.stream.close(0x2);
  else response.destroy();
}
