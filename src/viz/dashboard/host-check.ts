/**
 * Who may talk to the dashboard: the defence against DNS rebinding and cross-site WebSockets.
 *
 * Contract: a request is served only when its Host header names this machine (`localhost`,
 * `127.0.0.1`, `[::1]`, each with or without a port) or matches the `--enforced-host` pattern,
 * which is anchored as a whole: a page at evil.example whose name was rebound to 127.0.0.1 still
 * sends `Host: evil.example`, and is refused. A WebSocket upgrade additionally needs an `Origin`
 * whose host:port is the request's own Host: a page of another site cannot open the live tap even
 * when the Host check passes. A missing header is refused, never guessed.
 */

/** Local names, with an optional port; IPv6 only in brackets, as Host headers carry it. */
const localHost = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

export class EnforcedHostError extends Error {
  constructor(pattern: string, reason: string) {
    super(`--enforced-host ${JSON.stringify(pattern)} is not a regular expression: ${reason}`);
    this.name = 'EnforcedHostError';
  }
}

export interface HostPolicy {
  /** True when a request with this Host header may be served. */
  allowsHost(host: string | undefined): boolean;
  /** True when a WebSocket with this Origin may be opened on a request with this Host. */
  allowsOrigin(origin: string | undefined, host: string | undefined): boolean;
  /** The pattern as given, for the refusal message; '' when only local names are allowed. */
  readonly enforced: string;
}

/** The policy for `--enforced-host PATTERN` (undefined: local names only). Throws EnforcedHostError for a bad pattern. */
export function hostPolicy(enforcedHost?: string): HostPolicy {
  let enforced: RegExp | undefined;
  if (enforcedHost !== undefined && enforcedHost !== '') {
    try {
      enforced = new RegExp(`^(?:${enforcedHost})$`, 'i');
    } catch (error) {
      throw new EnforcedHostError(enforcedHost, (error as Error).message);
    }
  }
  const allowsHost = (host: string | undefined): boolean =>
    host !== undefined && host.length <= 260 && (localHost.test(host) || (enforced?.test(host) ?? false));
  return {
    enforced: enforcedHost ?? '',
    allowsHost,
    allowsOrigin: (origin, host) => {
      if (origin === undefined || host === undefined || !allowsHost(host)) return false;
      let parsed: URL;
      try {
        parsed = new URL(origin);
      } catch {
        return false;
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
      return parsed.host.toLowerCase() === normalHost(host, parsed.protocol);
    },
  };
}

/** The Host header as URL.host writes it: lower case, without the scheme's default port. */
function normalHost(host: string, protocol: string): string {
  const lower = host.toLowerCase();
  const defaultPort = protocol === 'https:' ? ':443' : ':80';
  return lower.endsWith(defaultPort) ? lower.slice(0, -defaultPort.length) : lower;
}

/** The 400 body for a refused Host, naming it and what would have been accepted. */
export function hostRefusal(host: string | undefined, policy: HostPolicy): string {
  const allowed = policy.enforced === '' ? 'localhost, 127.0.0.1 or [::1]' : `localhost, 127.0.0.1, [::1] or /${policy.enforced}/`;
  return `The dashboard does not serve the host ${JSON.stringify(host ?? '')}: it answers only to ${allowed} ` +
    '(with any port), which protects it from DNS rebinding. Reach it through one of those names, or restart it ' +
    'with --enforced-host REGEX naming the host you use.\n';
}
