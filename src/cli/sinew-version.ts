/**
 * This binary's version (package.json's), on its own so that the proxy and the manifests can name
 * it without loading what `sinew version` needs to ask a cluster (the Kubernetes client).
 */
import fs from 'node:fs';

export function sinewVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
