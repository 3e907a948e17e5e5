/**
 * How the proxy reaches the control plane (identity, destination, policy) over gRPC: the target,
 * the channel credentials and the channel options for @grpc/grpc-js.
 *
 * Contract, as Linkerd's proxy decides it (`*_SVC_ADDR` with `*_SVC_NAME`):
 *  - the address is loopback (an IP in 127.0.0.0/8, `::1`, or the absolute name `localhost.`;
 *    the relative name `localhost` is not, as in Linkerd): plaintext, whatever the name;
 *  - no server name: plaintext;
 *  - otherwise TLS 1.3, the server's chain checked against the trust anchors and its one DNS SAN
 *    against the server name exactly (`grpc.ssl_target_name_override` makes it the SNI too). Once
 *    the proxy holds an identity, it presents its certificate (mutual TLS); before that, only the
 *    server is authenticated, which needs the trust anchors to be passed.
 * A TLS channel that can check nothing (no identity and no anchors) is refused with a
 * `ControlChannelError`, never downgraded to plaintext.
 *
 * Renewal: a channel keeps the certificate it was built with for every connection it makes. When
 * the identity client's `updates` emit a new identity, callers build a new channel for their next
 * (re)connect and close the old one once its streams end. Renewal happens at 70% of the
 * certificate's lifetime, so the old certificate stays valid for the overlap.
 */
import net from 'node:net';
import tls from 'node:tls';
import { type ChannelCredentials, type ChannelOptions, credentials } from '@grpc/grpc-js';
import { isTrustDomain } from '../identity/identity-name.js';
import { type HostPort, hostPortText } from './host-port.js';
import type { LocalIdentity } from './local-identity.js';
import { expectIdentity } from './peer-identity.js';
import { secureContextFor } from './tls-contexts.js';

export interface ControlChannel {
  /** `host:port` (brackets around an IPv6 host), as grpc-js clients take it. */
  readonly target: string;
  readonly credentials: ChannelCredentials;
  readonly options: ChannelOptions;
  /** Whether the channel is TLS (false: plaintext). */
  readonly tls: boolean;
}

export class ControlChannelError extends Error {
  override readonly name = 'ControlChannelError';
}

/** Keepalives and limits shared by every control-plane channel. */
export const controlChannelOptions: ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 20_000,
  // Reconnects back off as the watches do (discovery/backoff.ts: at most 10 s), so a restarted
  // control plane is found again within seconds.
  'grpc.initial_reconnect_backoff_ms': 500,
  'grpc.max_reconnect_backoff_ms': 10_000,
  // The control plane sends up to 16 MiB (streams/grpc-server.ts).
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
};

/** Whether `host` is a loopback address in Linkerd's sense (see the contract). */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (net.isIPv6(bare)) {
    try {
      return new URL(`http://[${bare}]/`).hostname === '[::1]';
    } catch {
      return false;
    }
  }
  return bare.toLowerCase() === 'localhost.';
}

/** Whether a channel to `addr` for `serverName` is TLS. */
export function usesTls(addr: HostPort, serverName: string | undefined): boolean {
  return serverName !== undefined && !isLoopback(addr.host);
}

function tlsCredentials(serverName: string, identity: LocalIdentity | undefined, trustAnchorsPem: string | undefined): ChannelCredentials {
  const verify = { checkServerIdentity: expectIdentity(serverName) };
  if (identity !== undefined) return credentials.createFromSecureContext(secureContextFor(identity), verify);
  if (trustAnchorsPem === undefined) {
    throw new ControlChannelError(`cannot check the control plane's identity ${JSON.stringify(serverName)}: the proxy has no identity and no trust anchors were given`);
  }
  return credentials.createFromSecureContext(tls.createSecureContext({ ca: trustAnchorsPem, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }), verify);
}

/**
 * The channel settings for a control-plane client at `addr` that must prove `serverName`.
 * `trustAnchorsPem` is needed only for TLS before the proxy holds an identity (Certify itself).
 */
export function controlChannel(addr: HostPort, serverName: string | undefined, identity: LocalIdentity | undefined,
  trustAnchorsPem?: string): ControlChannel {
  if (!Number.isInteger(addr.port) || addr.port < 1 || addr.port > 65535) {
    throw new ControlChannelError(`control plane address ${JSON.stringify(addr.host)}: port ${addr.port} is not between 1 and 65535`);
  }
  if (addr.host === '') throw new ControlChannelError('control plane address: the host is empty');
  const target = hostPortText(addr);
  if (!usesTls(addr, serverName) || serverName === undefined) {
    return { target, credentials: credentials.createInsecure(), options: controlChannelOptions, tls: false };
  }
  if (!isTrustDomain(serverName)) {
    throw new ControlChannelError(`control plane name ${JSON.stringify(serverName)} is not a DNS name`);
  }
  return {
    target,
    credentials: tlsCredentials(serverName, identity, trustAnchorsPem),
    options: { ...controlChannelOptions, 'grpc.ssl_target_name_override': serverName },
    tls: true,
  };
}
