/**
 * The headers every dashboard response carries, whatever its status: scripts, styles and
 * connections only from the dashboard itself (no inline script, no eval, no other origin), no
 * framing, no MIME sniffing, no referrer.
 */
import type http from 'node:http';

export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function setSecurityHeaders(response: http.ServerResponse): void {
  for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
}

/** The security headers as raw header lines, for an answer written straight onto an upgrading socket. */
export function securityHeaderLines(): string {
  return Object.entries(securityHeaders).map(([name, value]) => `${name}: ${value}\r\n`).join('');
}
