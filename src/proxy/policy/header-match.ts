/**
 * Header matches of HTTP and gRPC routes: a header matches when any of its values equals the
 * expected bytes, or when a regular expression matches a whole value. Expected bytes are compared
 * as latin1 text, which is how Node decodes header values. Regular expressions are compiled once,
 * when the message is. Pure.
 */
import type { HeaderMatch__Output } from '../../gen/proto/io/linkerd/proxy/http_route/HeaderMatch.js';
import { InvalidPolicyError } from './invalid-policy.js';
import { headerValues, type HeaderLookup } from './request-facts.js';

export type CompiledHeaderMatch =
  | { readonly name: string; readonly exact: string; readonly regex?: undefined }
  | { readonly name: string; readonly exact?: undefined; readonly regex: RegExp };

/** A whole-value (anchored) regular expression, or an InvalidPolicyError naming `where`. */
export function wholeRegex(source: string, where: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    throw new InvalidPolicyError(`${where}: ${JSON.stringify(source)} is not a regular expression`);
  }
}

export function compileHeaderMatch(match: HeaderMatch__Output, where: string): CompiledHeaderMatch {
  const name = match.name.toLowerCase();
  if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)) throw new InvalidPolicyError(`${where}.name: ${JSON.stringify(match.name)} is not a header name`);
  if (match.regex !== undefined && match.value !== 'exact') return { name, regex: wholeRegex(match.regex, `${where}.regex`) };
  if (match.exact === undefined) throw new InvalidPolicyError(`${where}: no value to match`);
  return { name, exact: Buffer.from(match.exact).toString('latin1') };
}

export function headerMatches(match: CompiledHeaderMatch, headers: HeaderLookup): boolean {
  for (const value of headerValues(headers, match.name)) {
    if (match.regex === undefined ? value === match.exact : match.regex.test(value)) return true;
  }
  return false;
}
