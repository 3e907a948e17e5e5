/**
 * The dashboard's live tap in the demo: viz's tap server (tap-http-server.ts) in this process, on
 * 127.0.0.1, with the tap server's own identity `tap.linkerd-viz.serviceaccount.identity.…`
 * certified by the demo's identity service (its token minted like the pods'), the only client the
 * proxies serve tap to (the demo gives them LINKERD2_PROXY_TAP_SVC_NAME).
 *
 * Contract: `source` streams a tap as `sinew viz tap` would see it; until the certificate arrives
 * the tap server answers 503, which the dashboard shows. `close` stops the server and the
 * certificate's renewal, and is idempotent.
 */
import { silentLogger } from '../observe/logger.js';
import { startIdentityClient } from '../proxy/identity-client.js';
import type { TapSource } from '../viz/dashboard/tap-source.js';
import { serviceClient } from '../viz/service-proxy.js';
import { watchTap } from '../viz/tap/tap-client.js';
import { startTapHttpServer } from '../viz/tap/tap-http-server.js';
import type { Inventory } from '../viz/workloads.js';
import { controlPlaneNamespace, identityOf, trustDomain } from './demo-topology.js';

export const tapAccount = { namespace: 'linkerd-viz', serviceAccount: 'tap' } as const;
export const tapIdentity = identityOf(tapAccount.serviceAccount, tapAccount.namespace);

export interface DemoTapOptions {
  readonly identityPort: number;
  readonly trustAnchorsPem: string;
  readonly tokenFile: string;
  readonly inventory: Inventory;
}

export interface DemoTap {
  readonly source: TapSource;
  close(): Promise<void>;
}

export async function startDemoTap(options: DemoTapOptions): Promise<DemoTap> {
  const identity = startIdentityClient({
    addr: { host: '127.0.0.1', port: options.identityPort }, serverName: identityOf('linkerd-identity', controlPlaneNamespace),
    trustAnchorsPem: options.trustAnchorsPem, localName: tapIdentity, tokenFile: options.tokenFile, log: silentLogger,
  });
  let server;
  try {
    server = await startTapHttpServer({ host: '127.0.0.1', port: 0 }, {
      inventory: options.inventory, identity: () => identity.current(), identitySuffix: `serviceaccount.identity.${controlPlaneNamespace}.${trustDomain}`, log: silentLogger,
    });
  } catch (error) {
    identity.close();
    throw error;
  }
  const client = serviceClient({ kind: 'direct', url: `http://127.0.0.1:${server.port}` });
  const running = server;
  let closed: Promise<void> | undefined;
  return {
    source: { watch: (target, body, signal) => watchTap(client, target, body, signal) },
    close: () => {
      closed ??= running.close().finally(() => identity.close());
      return closed;
    },
  };
}
