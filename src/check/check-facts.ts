/**
 * What earlier checks learn for later ones (the API client, the server's version, the identity
 * material), and the options every check reads.
 *
 * Contract: a check writes a fact only when it passes, and a check that reads a fact comes after
 * the fatal check that writes it, so a fact read is always there; `need` turns a broken ordering
 * into a failure that says so instead of a crash.
 */
import type { X509Certificate } from 'node:crypto';
import type { ClusterReader } from './cluster-reader.js';
import type { VersionInfo } from './resources.js';

export interface CheckOptions {
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  readonly controlPlaneNamespace: string;
  /** `--proxy --namespace`: the namespace of the data plane to check; undefined for all. */
  readonly dataPlaneNamespace: string | undefined;
  /** The CLI's version as `sinew version` prints it (`v0.1.0`). */
  readonly cliVersion: string;
  /** The clock the certificate checks read. */
  readonly now: () => Date;
}

export interface IdentityMaterial {
  readonly anchors: readonly X509Certificate[];
  /** The issuer certificate first, then any intermediates it came with. */
  readonly issuer: readonly X509Certificate[];
}

export interface CheckFacts {
  client?: ClusterReader;
  kubeVersion?: VersionInfo;
  identity?: IdentityMaterial;
  serverVersion?: string;
}

export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not known: an earlier check did not run`);
  return value;
}
