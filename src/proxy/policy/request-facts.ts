/**
 * What the policy decisions need to know about one HTTP request, as the data path has it at hand:
 * nothing is copied or parsed until a match asks for it. Pure.
 */

/**
 * Header values by lower-case name; a header sent several times may be given as a list (Node's
 * `IncomingMessage.headers` has exactly this shape). Values are as Node decodes them (latin1).
 */
export type HeaderLookup = (name: string) => string | readonly string[] | undefined;

export interface HttpRequestFacts {
  readonly method: string;
  /** The path only (no query), as sent: `/api/items`. */
  readonly path: string;
  /** The raw query string without the `?`, if the target had one. */
  readonly query?: string | undefined;
  /** The `:authority` or `Host` header (`host[:port]`); routes with hostnames need it. */
  readonly authority?: string | undefined;
  /** `http` unless said otherwise; used to build redirect locations. */
  readonly scheme?: 'http' | 'https' | undefined;
  readonly headers: HeaderLookup;
}

/** Splits a request target (`/a/b?x=1`) into the path and query the facts take. */
export function splitTarget(target: string): { readonly path: string; readonly query: string | undefined } {
  const mark = target.indexOf('?');
  return mark === -1 ? { path: target, query: undefined } : { path: target.slice(0, mark), query: target.slice(mark + 1) };
}

/** The host of an authority: without the port, IPv6 kept in brackets; undefined when empty. */
export function hostOf(authority: string | undefined): string | undefined {
  if (authority === undefined || authority === '') return undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    return close === -1 ? authority : authority.slice(0, close + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}

/** The port written in an authority, if any. */
export function portOf(authority: string | undefined): number | undefined {
  if (authority === undefined) return undefined;
  const close = authority.lastIndexOf(']');
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || colon < close) return undefined;
  const port = Number(authority.slice(colon + 1));
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** Every value a header was sent with. */
export function headerValues(headers: HeaderLookup, name: string): readonly string[] {
  const value = headers(name);
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}
