/**
 * A `sinew control-plane` process serving an admission webhook over HTTPS, for end-to-end tests:
 * a test CA's serving certificate written where the flag points, a kubeconfig for the fake API
 * server, and the webhook's port read from the start-up log line (`<label>=host:port`).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { webhookCertificates, type WebhookCertificates } from '../admission/webhook-certificates.js';
import { startControlPlane, waitReady, type ControlPlaneProcess } from './control-plane-process.js';
import { tempDir } from './engine-harness.js';
import type { FakeApiServer } from './fake-api-server.js';

export interface WebhookPlane {
  readonly plane: ControlPlaneProcess;
  readonly certificates: WebhookCertificates;
  /** The webhook's HTTPS port. */
  readonly port: number;
}

/**
 * Starts `sinew control-plane --components <component>` with `--<flagPrefix>-tls-dir` and
 * `--<flagPrefix>-addr 127.0.0.1:0`; `label` is the start-up log's field for the webhook's address.
 */
export async function startWebhookPlane(api: FakeApiServer, component: string, flagPrefix: string, label: string): Promise<WebhookPlane> {
  const dir = tempDir(`${component}-plane`);
  const certificates = await webhookCertificates();
  fs.writeFileSync(path.join(dir, 'tls.crt'), certificates.certPem);
  fs.writeFileSync(path.join(dir, 'tls.key'), certificates.keyPem);
  const kubeconfig = path.join(dir, 'kubeconfig');
  api.writeKubeconfig(kubeconfig);
  const plane = await startControlPlane(['--components', component, '--kubeconfig', kubeconfig,
    `--${flagPrefix}-tls-dir`, dir, `--${flagPrefix}-addr`, '127.0.0.1:0']);
  await waitReady(plane.adminPort);
  const match = new RegExp(`control plane started[^\\n]*${label}=[\\d.]+:(\\d+)`).exec(plane.stderr());
  assert.ok(match !== null, plane.stderr());
  return { plane, certificates, port: Number(match[1]) };
}
