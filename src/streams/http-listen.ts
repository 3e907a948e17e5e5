/**
 * Starting and stopping a plain HTTP server, as every Sinew HTTP endpoint does (the admin servers,
 * the metrics API, the tap server, the demo's TokenReview stand-in): listen resolves once bound and
 * rejects with the bind error (EADDRINUSE, EACCES) instead of an unhandled 'error'; close ends idle
 * and in-flight connections and resolves once the server is closed.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningHttpServer {
  /** The bound port (the one the kernel chose when asked for 0). */
  readonly port: number;
  close(): Promise<void>;
}

export async function listenHttp(server: http.Server, host: string, port: number): Promise<ListeningHttpServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
