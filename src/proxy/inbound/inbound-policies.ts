/**
 * The inbound policy in force on each port: the policy controller's latest Server for the port,
 * or the default (default-server.ts) until its first answer. The configured inbound ports are
 * watched from start-up; any other port from its first connection on.
 *
 * Contract: `server(port)` never waits and never throws: it returns the last Server received for
 * the port, else the default. A Server is replaced whole by the next one (each message of a watch
 * is complete), so a connection or request reads one consistent policy. While the controller is
 * away the last Server stays in force (the watch reconnects underneath). `close()` ends every watch.
 */
import type { Observable, Subscription } from 'rxjs';
import type { Server__Output } from '../../gen/proto/io/linkerd/proxy/inbound/Server.js';

export interface InboundPoliciesOptions {
  /** Watches one port's Server; undefined when there is no policy controller. */
  readonly watch: ((port: number) => Observable<Server__Output>) | undefined;
  readonly defaultFor: (port: number) => Server__Output;
  readonly ports: readonly number[];
  readonly onError: (port: number, error: unknown) => void;
}

export interface InboundPolicies {
  server(port: number): Server__Output;
  close(): void;
}

export function inboundPolicies(options: InboundPoliciesOptions): InboundPolicies {
  const current = new Map<number, Server__Output>();
  const watches = new Map<number, Subscription>();
  const defaults = new Map<number, Server__Output>();
  const ensureWatch = (port: number): void => {
    if (options.watch === undefined || watches.has(port)) return;
    watches.set(port, options.watch(port).subscribe({
      next: (server) => current.set(port, server),
      error: (error: unknown) => options.onError(port, error),
    }));
  };
  for (const port of options.ports) ensureWatch(port);
  return {
    server: (port) => {
      ensureWatch(port);
      const known = current.get(port);
      if (known !== undefined) return known;
      let fallback = defaults.get(port);
      if (fallback === undefined) {
        fallback = options.defaultFor(port);
        defaults.set(port, fallback);
      }
      return fallback;
    },
    close: () => {
      for (const watch of watches.values()) watch.unsubscribe();
      watches.clear();
    },
  };
}
