/**
 * The proxy's identity client: obtains and renews the proxy's certificate from the identity
 * service (`io.linkerd.proxy.identity.Identity/Certify`).
 *
 * Contract:
 *  - One ECDSA P-256 key and one CSR (its only SAN the DNS name `localName`, empty subject) are
 *    made in memory at start and used for every call; the key is never written anywhere.
 *  - Each call re-reads the token file (projected tokens are rotated by the kubelet) and uses a
 *    fresh channel (control-channel.ts: TLS checking `serverName` unless the address is loopback
 *    or no name is given; only the server is authenticated).
 *  - An answer is used only if `acceptCertified` accepts it. Then the next renewal is due after 70%
 *    of the time left until the chain's expiry, bounded by `refresh` (Linkerd's rule, with its
 *    defaults 10 s and 24 h: LINKERD2_PROXY_IDENTITY_MIN_REFRESH / _MAX_REFRESH).
 *  - A failed call (unreadable token, service down, answer refused) is logged and retried after
 *    an exponential, jittered backoff (1 s doubling to 60 s); the identity held stays in use while
 *    it is valid.
 *  - Fail closed: `current()` is undefined before the first certificate and from the moment the
 *    held one expires (by the injected clock); `updates` emits each new identity and `undefined`
 *    at expiry, replays the latest value to a new subscriber, never repeats a value, and
 *    completes on `close()`. `close()` cancels a call in flight; after it no call is made and
 *    nothing is emitted.
 */
import { KeyObject, webcrypto } from 'node:crypto';
import fs from 'node:fs/promises';
import { status } from '@grpc/grpc-js';
import { BehaviorSubject, type Observable } from 'rxjs';
import type { ProtoGrpcType } from '../gen/proto/identity.js';
import type { CertifyResponse__Output } from '../gen/proto/io/linkerd/proxy/identity/CertifyResponse.js';
import { isTrustDomain } from '../identity/identity-name.js';
import { parseTrustAnchors, type TrustAnchors } from '../identity/trust-anchors.js';
import { ecdsaP256, x509 } from '../identity/x509.js';
import { type Backoff, type BackoffPolicy, nextDelay, startBackoff } from '../informers/backoff.js';
import type { Logger } from '../observe/logger.js';
import { loadProtos } from '../streams/proto.js';
import { controlChannel } from './control-channel.js';
import type { HostPort } from './host-port.js';
import { acceptCertified, type IdentityKey, isUnexpired, type LocalIdentity } from './local-identity.js';

export interface RefreshBounds {
  readonly minMs: number;
  readonly maxMs: number;
}

export interface IdentityClientOptions {
  readonly addr: HostPort;
  readonly serverName: string | undefined;
  readonly trustAnchorsPem: string;
  readonly localName: string;
  readonly tokenFile: string;
  /** Milliseconds since the epoch; decides validity and expiry (timers still run on real time). */
  readonly now?: () => number;
  readonly log: Logger;
  readonly refresh?: RefreshBounds;
  readonly backoff?: BackoffPolicy;
  /** Deadline of one Certify call (default 10 s). */
  readonly callTimeoutMs?: number;
}

export interface IdentityClient {
  current(): LocalIdentity | undefined;
  readonly updates: Observable<LocalIdentity | undefined>;
  close(): void;
}

/** The client's options cannot work (raised by `startIdentityClient`), or a token cannot be read. */
export class IdentityClientError extends Error {
  override readonly name = 'IdentityClientError';
}

export const defaultRefreshBounds: RefreshBounds = { minMs: 10_000, maxMs: 24 * 3600_000 };
export const certifyBackoff: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.25 };

/** Node timers hold at most 2^31 - 1 ms. */
const maxTimerMs = 2 ** 31 - 1;

/** Linkerd's renewal rule: 70% of the time left, within the bounds. */
export function refreshDelayMs(notAfterMs: number, nowMs: number, bounds: RefreshBounds): number {
  const left = notAfterMs - nowMs;
  if (left <= 0) return bounds.minMs;
  return Math.min(bounds.maxMs, Math.max(bounds.minMs, Math.floor(left * 0.7)));
}

interface Documents {
  readonly key: IdentityKey;
  readonly csr: Buffer;
}

async function makeDocuments(localName: string): Promise<Documents> {
  const keys = await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: '', keys, signingAlgorithm: ecdsaP256,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: localName }])],
  });
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string;
  const spki = KeyObject.from(keys.publicKey).export({ type: 'spki', format: 'der' });
  return { key: { keyPem, spki }, csr: Buffer.from(request.rawData) };
}

async function readToken(file: string): Promise<Buffer> {
  let token: Buffer;
  try {
    token = await fs.readFile(file);
  } catch (error) {
    throw new IdentityClientError(`cannot read the identity token file ${file}: ${(error as Error).message}`);
  }
  if (token.length === 0) throw new IdentityClientError(`the identity token file ${file} is empty`);
  return token;
}

let identityProto: ProtoGrpcType | undefined;

function certifyCall(options: IdentityClientOptions, request: { token: Buffer; csr: Buffer }, signal: AbortSignal): Promise<CertifyResponse__Output> {
  identityProto ??= loadProtos<ProtoGrpcType>(['identity.proto']);
  const channel = controlChannel(options.addr, options.serverName, undefined, options.trustAnchorsPem);
  const client = new identityProto.io.linkerd.proxy.identity.Identity(channel.target, channel.credentials, channel.options);
  const body = { identity: options.localName, token: request.token, certificate_signing_request: request.csr };
  return new Promise<CertifyResponse__Output>((resolve, reject) => {
    const call = client.Certify(body, { deadline: Date.now() + (options.callTimeoutMs ?? 10_000) }, (error, response) => {
      signal.removeEventListener('abort', cancel);
      client.close();
      if (error !== null) reject(new Error(`Certify failed (${status[error.code] ?? String(error.code)}): ${error.details === '' ? error.message : error.details}`));
      else if (response === undefined) reject(new Error('Certify answered nothing'));
      else resolve(response);
    });
    const cancel = (): void => call.cancel();
    signal.addEventListener('abort', cancel);
  });
}

function checkOptions(options: IdentityClientOptions): TrustAnchors {
  if (!isTrustDomain(options.localName)) {
    throw new IdentityClientError(`the local identity name ${JSON.stringify(options.localName)} is not a DNS name`);
  }
  if (options.tokenFile === '') throw new IdentityClientError('the identity token file is not set');
  const refresh = options.refresh ?? defaultRefreshBounds;
  if (!(refresh.minMs >= 0 && refresh.minMs <= refresh.maxMs)) {
    throw new IdentityClientError(`identity refresh bounds: the minimum (${refresh.minMs} ms) must be between 0 and the maximum (${refresh.maxMs} ms)`);
  }
  // Also checks the control plane address and name now, rather than at the first call.
  controlChannel(options.addr, options.serverName, undefined, options.trustAnchorsPem);
  return parseTrustAnchors(options.trustAnchorsPem, 'identity trust anchors');
}

interface ClientState {
  readonly options: IdentityClientOptions;
  readonly anchors: TrustAnchors;
  readonly now: () => number;
  readonly log: Logger;
  readonly subject: BehaviorSubject<LocalIdentity | undefined>;
  /** Aborted by close(), which cancels a Certify call in flight. */
  readonly closing: AbortController;
  documents: Promise<Documents> | undefined;
  backoff: Backoff;
  renewTimer: NodeJS.Timeout | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
  closed: boolean;
}

function publish(state: ClientState, identity: LocalIdentity | undefined): void {
  if (!state.closed && state.subject.value !== identity) state.subject.next(identity);
}

/** Emits undefined once the held identity has expired; until then, checks again at its expiry. */
function watchExpiry(state: ClientState): void {
  clearTimeout(state.expiryTimer);
  const held = state.subject.value;
  if (held === undefined || state.closed) return;
  if (!isUnexpired(held, state.now())) {
    state.log.error('the identity certificate expired; TLS is unavailable until it is renewed', { notAfter: held.notAfter.toISOString() });
    publish(state, undefined);
    return;
  }
  state.expiryTimer = setTimeout(() => watchExpiry(state), Math.min(maxTimerMs, held.notAfter.getTime() - state.now() + 1));
  state.expiryTimer.unref();
}

function held(state: ClientState): LocalIdentity | undefined {
  const identity = state.subject.value;
  if (identity === undefined || isUnexpired(identity, state.now())) return identity;
  watchExpiry(state);
  return undefined;
}

function schedule(state: ClientState, delayMs: number): void {
  clearTimeout(state.renewTimer);
  if (state.closed) return;
  state.renewTimer = setTimeout(() => void attempt(state), Math.min(maxTimerMs, delayMs));
  state.renewTimer.unref();
}

/** One Certify call, from the documents to an accepted identity. */
async function certifyOnce(state: ClientState): Promise<LocalIdentity | undefined> {
  const { options } = state;
  state.documents ??= makeDocuments(options.localName).catch((error: unknown) => {
    state.documents = undefined;
    throw error;
  });
  const { key, csr } = await state.documents;
  const token = await readToken(options.tokenFile);
  if (state.closed) return undefined;
  const response = await certifyCall(options, { token, csr }, state.closing.signal);
  if (state.closed) return undefined;
  const chain = { leaf: response.leaf_certificate, intermediates: response.intermediate_certificates };
  return acceptCertified(chain, options.localName, key, state.anchors, new Date(state.now()));
}

async function attempt(state: ClientState): Promise<void> {
  try {
    const identity = await certifyOnce(state);
    if (identity === undefined || state.closed) return;
    state.backoff = startBackoff(state.backoff.policy);
    publish(state, identity);
    watchExpiry(state);
    const delayMs = refreshDelayMs(identity.notAfter.getTime(), state.now(), state.options.refresh ?? defaultRefreshBounds);
    state.log.info('certified', { notAfter: identity.notAfter.toISOString(), renewInMs: delayMs });
    schedule(state, delayMs);
  } catch (error) {
    if (state.closed) return;
    const { delayMs, next } = nextDelay(state.backoff);
    state.backoff = next;
    state.log.warn('certify failed; retrying', {
      error: (error as Error).message, retryInMs: Math.round(delayMs), heldUntil: held(state)?.notAfter.toISOString(),
    });
    schedule(state, delayMs);
  }
}

/** Starts obtaining the proxy's certificate; throws `IdentityClientError` (or a `TrustAnchorError`) for bad options. */
export function startIdentityClient(options: IdentityClientOptions): IdentityClient {
  const state: ClientState = {
    options,
    anchors: checkOptions(options),
    now: options.now ?? Date.now,
    log: options.log.child({ component: 'identity', identity: options.localName }),
    subject: new BehaviorSubject<LocalIdentity | undefined>(undefined),
    closing: new AbortController(),
    documents: undefined,
    backoff: startBackoff(options.backoff ?? certifyBackoff),
    renewTimer: undefined,
    expiryTimer: undefined,
    closed: false,
  };
  schedule(state, 0);
  return {
    current: () => held(state),
    updates: state.subject.asObservable(),
    close() {
      if (state.closed) return;
      state.closed = true;
      state.closing.abort();
      clearTimeout(state.renewTimer);
      clearTimeout(state.expiryTimer);
      state.subject.complete();
    },
  };
}
