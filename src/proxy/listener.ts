/**
 * A proxy listener: accepts connections on one address and hands each to a handler together with
 * the address the client meant to reach. On a socket redirected by iptables that is the
 * connection's SO_ORIGINAL_DST; on a listener of the static target map (local use without
 * iptables) it is the map's fixed target.
 *
 * Contract: a connection whose original destination cannot be known is closed and counted, never
 * served as if it were for the proxy itself. `stop()` stops accepting at once and resolves when
 * the server is closed; `connections()` counts the handled connections still open, for draining.
 */
import net from 'node:net';
import type { HostPort } from './host-port.js';

export type ConnectionHandler = (socket: net.Socket, target: HostPort) => void;

export interface ListenerOptions {
  readonly listen: HostPort;
  /** The fixed original destination (static map), or a reader of SO_ORIGINAL_DST. */
  readonly target: HostPort | ((socket: net.Socket) => HostPort | undefined);
  readonly handler: ConnectionHandler;
  readonly onUnknownTarget: (socket: net.Socket) => void;
}

export interface RunningListener {
  readonly address: HostPort;
  connections(): number;
  stop(): Promise<void>;
}

export function startListener(options: ListenerOptions): Promise<RunningListener> {
  const open = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => {
    const target = typeof options.target === 'function' ? options.target(socket) : options.target;
    if (target === undefined) {
      options.onUnknownTarget(socket);
      socket.destroy();
      return;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    options.handler(socket, target);
  });
  return new Promise<RunningListener>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, stripBrackets(options.listen.host), () => {
      server.off('error', reject);
      const bound = server.address() as net.AddressInfo;
      resolve({
        address: { host: bound.address, port: bound.port },
        connections: () => open.size,
        stop: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
