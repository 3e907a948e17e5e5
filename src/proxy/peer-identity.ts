/**
 * The identity a TLS peer proves: the DNS subject alternative name of a certificate that chained
 * to the trust anchors.
 *
 * Contract: a certificate's identity is its one DNS SAN; a certificate with none, or with several,
 * has no identity (fail closed: Sinew's and Linkerd's identity services issue exactly one, so
 * anything else was not issued for a workload). Other kinds of names (IP, URI, email) are ignored.
 * Identity names are not hostnames: they compare as exact strings, with no wildcards and no
 * partial matches. `peerIdentity` answers only for a socket whose peer certificate chained to the
 * trust anchors; a peer that sent no certificate, or one that did not verify, has none.
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';

export interface SubjectAltNameEntry {
  /** As Node names it: `DNS`, `IP Address`, `URI`, `email`, … */
  readonly type: string;
  readonly value: string;
}

/** A server presented a certificate for another identity than the one expected. */
export class PeerIdentityError extends Error {
  override readonly name = 'PeerIdentityError';
  readonly code = 'ERR_SINEW_PEER_IDENTITY';
}

/** Reads a quoted (JSON-escaped) value starting at `start`; answers it and the index after it. */
function quotedValue(text: string, start: number): { value: string; end: number } | undefined {
  let index = start + 1;
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  if (index >= text.length) return undefined;
  try {
    return { value: JSON.parse(text.slice(start, index + 1)) as string, end: index + 1 };
  } catch {
    return undefined;
  }
}

/**
 * Splits Node's `subjectaltname` text (`DNS:a, IP Address:10.0.0.1, URI:"…"`) into entries. Node
 * quotes a value that holds a separator, so a name can never smuggle in a second entry. Text that
 * does not follow this form yields undefined.
 */
export function subjectAltNames(text: string): SubjectAltNameEntry[] | undefined {
  const entries: SubjectAltNameEntry[] = [];
  let index = 0;
  while (index < text.length) {
    const colon = text.indexOf(':', index);
    if (colon < 0) return undefined;
    const type = text.slice(index, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      const quoted = quotedValue(text, colon + 1);
      if (quoted === undefined) return undefined;
      ({ value, end } = quoted);
    } else {
      const separator = text.indexOf(', ', colon + 1);
      end = separator < 0 ? text.length : separator;
      value = text.slice(colon + 1, end);
    }
    entries.push({ type, value });
    if (end === text.length) break;
    if (!text.startsWith(', ', end)) return undefined;
    index = end + 2;
  }
  return entries;
}

/** The identity a certificate's `subjectaltname` names: its one DNS name, else undefined. */
export function certificateIdentity(subjectAltName: string | undefined): string | undefined {
  if (subjectAltName === undefined || subjectAltName === '') return undefined;
  const dns = (subjectAltNames(subjectAltName) ?? []).filter((entry) => entry.type === 'DNS');
  return dns.length === 1 && dns[0] !== undefined && dns[0].value !== '' ? dns[0].value : undefined;
}

/** What Node keeps of a handshake beyond its public API (read only as tls.Server itself reads it). */
interface TlsInternals {
  readonly _tlsOptions?: { readonly isServer?: boolean };
  readonly _handle?: { readonly verifyError?: () => unknown } | null;
}

/**
 * Whether the peer's chain verified against the anchors. `tls.connect` and `tls.Server` record it
 * as `authorized`; a server-side socket wrapped by hand (`new TLSSocket(raw, {isServer: true})`,
 * as the inbound proxy does after peeking) never does, so its OpenSSL verification result is read
 * the way tls.Server reads it. Anything unexpected (a closed socket, a Node without this) is "no".
 */
function peerVerified(socket: TLSSocket): boolean {
  if (socket.authorized) return true;
  const internals = socket as unknown as TlsInternals;
  const failed = (socket.authorizationError as Error | null | undefined) ?? undefined;
  if (internals._tlsOptions?.isServer !== true || failed !== undefined) return false;
  const verifyError = internals._handle?.verifyError;
  return typeof verifyError === 'function' && verifyError.call(internals._handle) === null;
}

/**
 * The identity of a verified peer certificate on `socket`, else undefined. Call it once the
 * handshake is done ('secure' or 'secureConnect') and before the socket is destroyed.
 */
export function peerIdentity(socket: TLSSocket): string | undefined {
  if (!peerVerified(socket)) return undefined;
  const certificate = socket.getPeerCertificate();
  if (certificate === null || typeof certificate !== 'object') return undefined;
  return certificateIdentity((certificate as Partial<PeerCertificate>).subjectaltname);
}

/**
 * A `checkServerIdentity` for `tls.connect` that accepts only a certificate whose identity is
 * `expected`. Node calls it after the chain verified; the host argument is ignored, since the
 * name checked is the identity asked for, not the address dialled.
 */
export function expectIdentity(expected: string): (host: string, certificate: PeerCertificate) => Error | undefined {
  return (_host, certificate) => {
    const presented = certificateIdentity(certificate.subjectaltname);
    if (presented === expected) return undefined;
    const what = presented === undefined ? 'a certificate with no single DNS name' : `a certificate for ${JSON.stringify(presented)}`;
    return new PeerIdentityError(`expected the peer identity ${JSON.stringify(expected)}, but the peer presented ${what}`);
  };
}
