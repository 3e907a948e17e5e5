/**
 * The tap API's small values between their text and protobuf forms: HTTP methods and schemes
 * (registered names or free text), durations, and header lists. Pure.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Duration } from '../../gen/proto/google/protobuf/Duration.js';
import type { Headers } from '../../gen/proto/io/linkerd/proxy/http_types/Headers.js';
import type { HttpMethod, HttpMethod__Output } from '../../gen/proto/io/linkerd/proxy/http_types/HttpMethod.js';
import type { Scheme, Scheme__Output } from '../../gen/proto/io/linkerd/proxy/http_types/Scheme.js';

const registeredMethods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'HEAD', 'TRACE'] as const;
type RegisteredMethod = (typeof registeredMethods)[number];

/** The method's text; undefined when the message names none (or an unknown registered number). */
export function methodName(method: HttpMethod | HttpMethod__Output | null | undefined): string | undefined {
  if (method == null) return undefined;
  if (method.type === 'unregistered') return method.unregistered;
  if (method.type !== 'registered') return undefined;
  const registered = method.registered;
  return typeof registered === 'number' ? registeredMethods[registered] : registered;
}

export function toMethod(method: string): HttpMethod {
  return (registeredMethods as readonly string[]).includes(method)
    ? { registered: method as RegisteredMethod } : { unregistered: method };
}

/** The scheme's text (`http`, `https` or as sent); undefined when the message names none. */
export function schemeName(scheme: Scheme | Scheme__Output | null | undefined): string | undefined {
  if (scheme == null) return undefined;
  if (scheme.type === 'unregistered') return scheme.unregistered;
  if (scheme.type !== 'registered') return undefined;
  const registered = scheme.registered;
  if (registered === 'HTTP' || registered === 0) return 'http';
  if (registered === 'HTTPS' || registered === 1) return 'https';
  return undefined;
}

export function toScheme(scheme: string): Scheme {
  const lower = scheme.toLowerCase();
  if (lower === 'http') return { registered: 'HTTP' };
  if (lower === 'https') return { registered: 'HTTPS' };
  return { unregistered: scheme };
}

/** A non-negative span in milliseconds as a protobuf duration. */
export function toDuration(ms: number): Duration {
  const nanosTotal = Math.max(0, Math.round(ms * 1e6));
  return { seconds: String(Math.floor(nanosTotal / 1e9)), nanos: nanosTotal % 1e9 };
}

/** Header fields as the tap API lists them, `pseudo` first (HTTP/2's `:method`, `:status`, …). */
export function toHeaders(headers: IncomingHttpHeaders, pseudo: readonly (readonly [string, string])[] = []): Headers {
  const list: { name: string; value: Buffer }[] = pseudo.map(([name, value]) => ({ name, value: Buffer.from(value) }));
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) list.push({ name, value: Buffer.from(one) });
  }
  return { headers: list };
}
