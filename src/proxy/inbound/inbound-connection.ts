/**
 * One inbound connection, from accept to the application: TLS first (a ClientHello naming this
 * proxy's identity is terminated here and the client's identity read from its certificate; any
 * other TLS passes through untouched), then the policy's protocol (opaque ports and opaque
 * Servers skip detection; otherwise HTTP/2 preface, HTTP/1 request line, or opaque after the
 * detect timeout), then either the HTTP server (policy per request, inbound-http.ts) or an
 * authorized TCP forward to the application on the original port.
 *
 * Fail closed: a ClientHello for this proxy's identity while the proxy holds no certificate is
 * refused (never served in plaintext); an opaque connection the policy does not authorize is
 * closed before a byte reaches the application.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Server__Output } from '../../gen/proto/io/linkerd/proxy/inbound/Server.js';
import type { Logger } from '../../observe/logger.js';
import { readClientHello } from '../client-hello.js';
import type { HostPort } from '../host-port.js';
import type { LocalIdentity } from '../local-identity.js';
import { peerIdentity } from '../peer-identity.js';
import { authorizeConnection, type ClientFacts } from '../policy/inbound-authorizer.js';
import { detectProtocol, type ProtocolKind } from '../protocol-detect.js';
import { forwardTcp } from '../tcp/tcp-forward.js';
import { readTransportHeader, transportAlpn } from '../tcp/transport-header.js';
import { serverAlpn, serverTlsOptions } from '../tls-contexts.js';
import type { InboundPolicies } from './inbound-policies.js';
import type { InboundTelemetry, TcpSession } from './inbound-telemetry.js';

export interface InboundConnectionContext {
  readonly identity: () => LocalIdentity | undefined;
  /** The inbound listener's own port: connections to it must carry a transport header. */
  readonly proxyPort: number;
  /** LINKERD2_PROXY_IDENTITY_LOCAL_NAME; undefined when identity is disabled. */
  readonly localName: string | undefined;
  readonly policies: InboundPolicies;
  readonly opaquePorts: ReadonlySet<number>;
  readonly forwardHost: string;
  readonly connectTimeoutMs: number;
  readonly detectTimeoutMs: number;
  readonly telemetry: InboundTelemetry;
  readonly serveHttp: (socket: Duplex, kind: 'h2' | 'http1', connection: InboundConnection) => void;
  readonly log: Logger;
}

/** What the HTTP layer needs to know about the connection a request came on. */
export interface InboundConnection {
  readonly target: HostPort;
  readonly client: ClientFacts;
}

export async function serveInbound(socket: net.Socket, target: HostPort, context: InboundConnectionContext): Promise<void> {
  socket.on('error', (error) => context.log.debug('inbound connection error', { error: error.message }));
  const clientIp = stripMapped(socket.remoteAddress ?? '');
  const direct = target.port === context.proxyPort;
  const plain: ClientFacts = { ip: clientIp, tls: { kind: 'plaintext' }, serverPort: target.port };
  if (!direct && skipsDetection(context.policies.server(target.port), target.port, context)) {
    serveOpaque(socket, socket, { target, client: plain }, context);
    return;
  }
  const first = await detectProtocol(socket, detectTimeout(context.policies.server(target.port), context.detectTimeoutMs));
  if (first.kind !== 'tls') {
    if (direct) return void socket.destroy();
    serveDetected(socket, socket, first.kind, { target, client: plain }, context);
    return;
  }
  const terminated = await terminateTls(socket, context);
  if (terminated === 'refused') return void socket.destroy();
  if (terminated === undefined) {
    if (direct) return void socket.destroy();
    serveOpaque(socket, socket, { target, client: plain }, context);
    return;
  }
  const transported = await transportTarget(terminated.socket, target, context);
  if (transported === 'refused') return void terminated.socket.destroy();
  const connection: InboundConnection = { target: transported, client: { ip: clientIp, tls: terminated.facts, serverPort: transported.port } };
  if (transported !== target || skipsDetection(context.policies.server(transported.port), transported.port, context)) {
    serveOpaque(socket, terminated.socket, connection, context);
    return;
  }
  const inner = await detectProtocol(terminated.socket, detectTimeout(context.policies.server(transported.port), context.detectTimeoutMs));
  serveDetected(socket, terminated.socket, inner.kind, connection, context);
}

function skipsDetection(server: Server__Output, port: number, context: InboundConnectionContext): boolean {
  return isOpaque(server) || context.opaquePorts.has(port);
}

function serveDetected(raw: net.Socket, stream: net.Socket, kind: ProtocolKind, connection: InboundConnection, context: InboundConnectionContext): void {
  if (kind === 'h2' || kind === 'http1') {
    const session = context.telemetry.connection(raw, connection);
    stream.once('close', () => session.close(undefined));
    context.serveHttp(stream, kind, connection);
  } else {
    serveOpaque(raw, stream, connection, context);
  }
}

/**
 * The target of a connection made straight to the proxy's inbound port: a meshed client names the
 * application port in a transport header (ALPN `transport.l5d.io/v1`). Anything else sent to the
 * proxy's own port is refused; it would otherwise be forwarded to the application on that port.
 */
async function transportTarget(secure: tls.TLSSocket | undefined, target: HostPort, context: InboundConnectionContext): Promise<HostPort | 'refused'> {
  const direct = target.port === context.proxyPort;
  if (secure === undefined || secure.alpnProtocol !== transportAlpn) return direct ? 'refused' : target;
  try {
    const header = await readTransportHeader(secure, context.detectTimeoutMs);
    return { host: target.host, port: header.port };
  } catch (error) {
    context.log.info('inbound transport header refused', { error: String(error) });
    return 'refused';
  }
}

type Terminated = { readonly socket: tls.TLSSocket; readonly facts: ClientFacts['tls'] } | 'refused' | undefined;

async function terminateTls(socket: net.Socket, context: InboundConnectionContext): Promise<Terminated> {
  const hello = await readClientHello(socket, context.detectTimeoutMs);
  const identity = context.identity();
  if (hello === undefined || hello.sni === undefined) return undefined;
  if (identity === undefined) {
    // A client that asks for this proxy's identity when the proxy has none is refused; TLS for any
    // other name is not ours to terminate and passes through.
    return hello.sni === context.localName ? 'refused' : undefined;
  }
  if (hello.sni !== identity.name) return undefined;
  const secure = new tls.TLSSocket(socket, { ...serverTlsOptions(identity), isServer: true, ALPNProtocols: [transportAlpn, ...serverAlpn] });
  try {
    await new Promise<void>((resolve, reject) => {
      secure.once('secure', resolve);
      secure.once('error', reject);
    });
  } catch (error) {
    context.log.debug('inbound TLS handshake failed', { error: String(error) });
    return 'refused';
  }
  // node:tls clears `secureConnecting` only for sockets of a tls.Server; node:http2 waits for it
  // to clear before it reads a session's first bytes, so a socket terminated here must clear it.
  (secure as unknown as { secureConnecting: boolean }).secureConnecting = false;
  const peer = peerIdentity(secure);
  return { socket: secure, facts: peer === undefined ? { kind: 'tls' } : { kind: 'mesh', identity: peer } };
}

function serveOpaque(raw: net.Socket, stream: Duplex, connection: InboundConnection, context: InboundConnectionContext): void {
  const verdict = authorizeConnection(context.policies.server(connection.target.port), connection.client);
  context.telemetry.tcpAuthorized(connection, verdict);
  const session: TcpSession = context.telemetry.connection(raw, connection);
  if (!verdict.allowed) {
    context.log.info('inbound connection denied', { client: connection.client.ip, port: connection.target.port, reason: verdict.reason });
    stream.destroy();
    session.close(undefined);
    return;
  }
  const upstream = net.connect({ host: context.forwardHost, port: connection.target.port, timeout: context.connectTimeoutMs });
  upstream.once('connect', () => upstream.setTimeout(0));
  upstream.once('timeout', () => upstream.destroy(new Error('connect timeout')));
  void forwardTcp(stream, upstream).then((result) => session.close(result.error));
}

function isOpaque(server: Server__Output): boolean {
  return server.protocol?.kind === 'opaque' || server.protocol?.kind === 'tls';
}

function detectTimeout(server: Server__Output, fallbackMs: number): number {
  const timeout = server.protocol?.detect?.timeout;
  if (timeout == null) return fallbackMs;
  return Number(timeout.seconds) * 1000 + Math.floor(timeout.nanos / 1e6);
}

function stripMapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
