/**
 * Header hygiene between hops. A proxy must not forward the headers that describe one connection
 * (RFC 9110 7.6.1: Connection and the headers it names, Keep-Alive, Transfer-Encoding, Upgrade,
 * Proxy-Connection, TE other than `trailers`), and HTTP/2 forbids them outright; HTTP/2's pseudo
 * headers (`:method`, `:path`, …) are not headers of the message at all. These functions copy a
 * header object without them, never mutating their input.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const hopByHop = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'host',
]);

/** The end-to-end headers of `headers`: no pseudo headers, no hop-by-hop ones, no `host`. */
export function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionNamed(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || hopByHop.has(name) || named.has(name)) continue;
    if (name === 'te') {
      if (String(value).toLowerCase().split(',').some((part) => part.trim() === 'trailers')) out.te = 'trailers';
      continue;
    }
    out[name] = value;
  }
  return out;
}

const noNames: ReadonlySet<string> = new Set();

function connectionNamed(connection: string | string[] | undefined): ReadonlySet<string> {
  if (connection === undefined) return noNames;
  const text = Array.isArray(connection) ? connection.join(',') : connection;
  return new Set(text.split(',').map((part) => part.trim().toLowerCase()).filter((part) => part !== ''));
}

/** The request's authority: HTTP/2's `:authority`, else HTTP/1's Host header. */
export function authorityOf(headers: IncomingHttpHeaders): string | undefined {
  const pseudo = headers[':authority'];
  if (typeof pseudo === 'string' && pseudo !== '') return pseudo;
  return headers.host;
}

/** Headers as a lookup for policy matching: one value per name, lists joined with `,`. */
export function headerLookup(headers: IncomingHttpHeaders): (name: string) => string | undefined {
  return (name) => {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(',') : value;
  };
}
