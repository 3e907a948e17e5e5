/**
 * The data path's telemetry callbacks (inbound-telemetry.ts, outbound-telemetry.ts) on the
 * proxy's metrics, with Linkerd's labels: `tls="true"` with `client_id` (inbound) or `server_id`
 * (outbound) for mutual TLS, the policy's `srv_*`, `route_*` and `authz_*` inbound, and the
 * endpoint's `dst_*` labels and logical authority outbound. Nothing a client sends becomes a label
 * value except through the policy (route and authorization names come from the controller).
 */
import type net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from './admin-server.js';
import type { Endpoint } from './discovery/endpoint-set.js';
import type { ProxyError } from './http/proxy-error.js';
import type { InboundConnection } from './inbound/inbound-connection.js';
import type { HttpExchange, InboundTelemetry, TcpSession } from './inbound/inbound-telemetry.js';
import type { AcceptTls, ConnectTls, PolicyRef, ServerRef, SocketTarget } from './metrics/linkerd-labels.js';
import type { HttpEndpointMetrics } from './metrics/http-metrics.js';
import type { ProxyMetrics } from './metrics/proxy-metrics.js';
import type { OutboundConnection } from './outbound/outbound-connection.js';
import type { OutboundExchange, OutboundTcpSession, OutboundTelemetry } from './outbound/outbound-telemetry.js';
import type { ClientFacts, ConnectionVerdict, RequestVerdict } from './policy/inbound-authorizer.js';
import type { ServerLabels } from './policy/policy-labels.js';

function acceptTls(client: ClientFacts): AcceptTls {
  if (client.tls.kind === 'mesh') return { kind: 'established', clientId: client.tls.identity };
  if (client.tls.kind === 'tls') return { kind: 'established' };
  return { kind: 'none', reason: isLoopback(client.ip) ? 'loopback' : 'no_tls_from_remote' };
}

function targetOf(connection: { readonly target: { readonly host: string; readonly port: number } }): SocketTarget {
  return { ip: connection.target.host, port: connection.target.port };
}

function serverRef(labels: ServerLabels, port: number): ServerRef {
  return { group: labels.srv_group, kind: labels.srv_kind, name: labels.srv_name, port };
}

function ref(group: string, kind: string, name: string): PolicyRef {
  return { group, kind, name };
}

/** A handle's whole life: request counted at once, latency at the response head, outcome at the end. */
function exchangeOn(handle: HttpEndpointMetrics, started: number, onError: (error: ProxyError) => void): HttpExchange {
  handle.request();
  let status: number | undefined;
  let done = false;
  const finish = (outcome: Parameters<HttpEndpointMetrics['response']>[0]): void => {
    if (done) return;
    done = true;
    handle.response(outcome);
    handle.release();
  };
  return {
    responded: (code) => {
      status = code;
      handle.latency(code, performance.now() - started);
    },
    finished: (trailers: IncomingHttpHeaders | undefined) => {
      const grpc = trailers?.['grpc-status'];
      const grpcStatus = grpc === undefined ? undefined : Number(grpc);
      const failed = (status ?? 0) >= 500 || (grpcStatus !== undefined && grpcStatus !== 0);
      finish({ statusCode: status, classification: failed ? 'failure' : 'success', ...(grpcStatus === undefined ? {} : { grpcStatus }) });
    },
    failed: (error) => {
      if (status === undefined) handle.latency(error.response.httpStatus, performance.now() - started);
      onError(error);
      finish({ statusCode: error.response.httpStatus, classification: 'failure', error: error.response.label });
    },
  };
}

export function inboundTelemetry(metrics: ProxyMetrics): InboundTelemetry {
  return {
    connection: (socket: net.Socket, connection: InboundConnection): TcpSession => {
      const handle = metrics.tcp.connection({ direction: 'inbound', peer: 'src', target: targetOf(connection), tls: acceptTls(connection.client) });
      return {
        close: (error) => {
          handle.read(socket.bytesRead);
          handle.write(socket.bytesWritten);
          handle.close(errnoOf(error));
        },
      };
    },
    tcpAuthorized: (connection: InboundConnection, verdict: ConnectionVerdict) => {
      const decision = { target: targetOf(connection), server: serverRef(verdict.labels, connection.target.port), tls: acceptTls(connection.client) };
      if (verdict.kind === 'allow') metrics.authz.tcpAllow({ ...decision, authz: ref(verdict.labels.authz_group, verdict.labels.authz_kind, verdict.labels.authz_name) });
      else if (verdict.kind === 'deny') metrics.authz.tcpDeny(decision);
    },
    request: (connection: InboundConnection, verdict: RequestVerdict): HttpExchange => {
      const started = performance.now();
      const target = targetOf(connection);
      const tls = acceptTls(connection.client);
      const server = serverRef(verdict.labels, connection.target.port);
      const route = 'route_name' in verdict.labels ? ref(verdict.labels.route_group, verdict.labels.route_kind, verdict.labels.route_name) : undefined;
      if (verdict.kind === 'allow' && route !== undefined) {
        metrics.authz.httpAllow({ target, server, tls, route, authz: ref(verdict.labels.authz_group, verdict.labels.authz_kind, verdict.labels.authz_name) }).inc();
      } else if (verdict.kind === 'unauthorized' && route !== undefined) {
        metrics.authz.httpDeny({ target, server, tls, route });
      } else if (verdict.kind === 'no-route') {
        metrics.authz.httpRouteNotFound({ target, server, tls });
      }
      const authz = verdict.kind === 'allow' ? ref(verdict.labels.authz_group, verdict.labels.authz_kind, verdict.labels.authz_name) : undefined;
      const handle = metrics.http.endpoint({ direction: 'inbound', target, tls, server, ...(route === undefined ? {} : { route }), ...(authz === undefined ? {} : { authz }) });
      return exchangeOn(handle, started, (error) => metrics.errors.inboundHttp(error.response.label));
    },
  };
}

function connectTls(endpoint: Endpoint, meshed: boolean): ConnectTls {
  if (meshed && endpoint.tlsIdentity !== undefined) return { kind: 'established', serverId: endpoint.tlsIdentity.name };
  return { kind: 'none', reason: isLoopback(endpoint.ip) ? 'loopback' : 'not_provided_by_service_discovery' };
}

export function outboundTelemetry(metrics: ProxyMetrics): OutboundTelemetry {
  return {
    connection: (socket: net.Socket, connection: OutboundConnection): OutboundTcpSession => {
      const source = metrics.tcp.connection({ direction: 'outbound', peer: 'src', target: targetOf(connection) });
      let peer: ReturnType<ProxyMetrics['tcp']['connection']> | undefined;
      return {
        endpoint: (endpoint, meshed, authority) => {
          peer = metrics.tcp.connection({
            direction: 'outbound', peer: 'dst', target: { ip: endpoint.ip, port: endpoint.port }, tls: connectTls(endpoint, meshed),
            dst: endpoint.labels, ...(authority === undefined ? {} : { authority }),
          });
        },
        close: (error) => {
          source.read(socket.bytesRead);
          source.write(socket.bytesWritten);
          source.close(errnoOf(error));
          peer?.read(socket.bytesWritten);
          peer?.write(socket.bytesRead);
          peer?.close(errnoOf(error));
          if (error !== undefined) metrics.errors.outboundTcp(targetOf(connection), errnoOf(error) ?? 'unexpected');
        },
      };
    },
    request: (connection: OutboundConnection): OutboundExchange => {
      const started = performance.now();
      let inner: HttpExchange | undefined;
      let pending: ((exchange: HttpExchange) => void)[] = [];
      const later = (apply: (exchange: HttpExchange) => void): void => {
        if (inner !== undefined) apply(inner);
        else pending.push(apply);
      };
      const bind = (handle: HttpEndpointMetrics): void => {
        if (inner !== undefined) return;
        inner = exchangeOn(handle, started, (error) => metrics.errors.outboundHttp(error.response.label));
        for (const apply of pending) apply(inner);
        pending = [];
      };
      return {
        endpoint: (endpoint, meshed, authority) => bind(metrics.http.endpoint({
          direction: 'outbound', target: { ip: endpoint.ip, port: endpoint.port }, tls: connectTls(endpoint, meshed),
          dst: endpoint.labels, ...(authority === undefined ? {} : { authority }),
        })),
        responded: (status) => later((exchange) => exchange.responded(status)),
        finished: (trailers) => later((exchange) => exchange.finished(trailers)),
        failed: (error) => {
          bind(metrics.http.endpoint({ direction: 'outbound', target: targetOf(connection), tls: { kind: 'none', reason: 'not_provided_by_service_discovery' } }));
          later((exchange) => exchange.failed(error));
        },
      };
    },
  };
}

function errnoOf(error: Error | undefined): string | undefined {
  if (error === undefined) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
