/**
 * What the demo sets up before any process starts, in a fresh temporary directory: a trust anchor
 * and issuer of its own (generate-ca.ts, as `sinew identity generate-ca` makes them), one random
 * token per service account (each pod's proxy reads its own), and the token review server with a
 * kubeconfig pointing at it (the identity service's only use of a Kubernetes API).
 *
 * Contract: nothing is written outside the directory; `close` stops the token review server and
 * removes the directory, and is idempotent; `removeNow` removes the directory synchronously (the
 * server dies with the process). If setting up fails halfway, what was made is undone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCa } from '../identity/generate-ca.js';
import { controlPlaneNamespace, trustDomain } from './demo-topology.js';
import { mintTokens, startTokenReviewServer, type TokenReviewServer } from './token-review-server.js';

export interface DemoWorkspace {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly issuerDir: string;
  readonly trustAnchorsFile: string;
  readonly trustAnchorsPem: string;
  /** The token file of a service account (`<namespace>/<name>`). */
  tokenFile(namespace: string, serviceAccount: string): string;
  close(): Promise<void>;
  /** Removes the directory at once (synchronous): for a process `exit` handler. */
  removeNow(): void;
}

export async function createWorkspace(serviceAccounts: readonly { namespace: string; serviceAccount: string }[]): Promise<DemoWorkspace> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinew-demo-'));
  let server: TokenReviewServer | undefined;
  try {
    const issuerDir = path.join(dir, 'issuer');
    fs.mkdirSync(issuerDir);
    const ca = await generateCa({ domain: { controllerNamespace: controlPlaneNamespace, trustDomain } });
    fs.writeFileSync(path.join(issuerDir, 'ca.crt'), ca.anchorPem);
    fs.writeFileSync(path.join(issuerDir, 'tls.crt'), ca.issuerPem);
    fs.writeFileSync(path.join(issuerDir, 'tls.key'), ca.issuerKeyPem, { mode: 0o600 });
    const tokens = mintTokens(serviceAccounts);
    const tokenFile = (namespace: string, serviceAccount: string): string => path.join(dir, 'tokens', `${namespace}.${serviceAccount}`);
    fs.mkdirSync(path.join(dir, 'tokens'));
    for (const entry of tokens) fs.writeFileSync(tokenFile(entry.namespace, entry.serviceAccount), entry.token, { mode: 0o600 });
    server = await startTokenReviewServer(tokens);
    const kubeconfig = path.join(dir, 'kubeconfig');
    server.writeKubeconfig(kubeconfig);
    let closed: Promise<void> | undefined;
    const running = server;
    return {
      dir, kubeconfig, issuerDir, trustAnchorsFile: path.join(issuerDir, 'ca.crt'), trustAnchorsPem: ca.anchorPem, tokenFile,
      close: () => {
        closed ??= running.close().finally(() => fs.rmSync(dir, { recursive: true, force: true }));
        return closed;
      },
      removeNow: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
