/**
 * Kubernetes API paths, parsed into what they address.
 *
 * Contract: pure; knows the path grammar, not which resources exist. A resource path is
 * `/api/{version}/...` (core group) or `/apis/{group}/{version}/...`, followed by
 * `{plural}[/{name}[/{subresource}]]` or `namespaces/{ns}/{plural}[/{name}[/{subresource}]]`.
 * `/api/v1/namespaces/{name}` is the Namespace object itself. Undecodable segments make the path
 * `unknown`, which the server answers with a 404.
 */

export type ApiPath =
  | { readonly type: 'version' }
  | { readonly type: 'health'; readonly check: 'healthz' | 'readyz' | 'livez' }
  | { readonly type: 'coreVersions' }
  | { readonly type: 'groups' }
  | { readonly type: 'group'; readonly group: string }
  | { readonly type: 'groupVersion'; readonly group: string; readonly version: string }
  | ResourcePath
  | { readonly type: 'unknown' };

export interface ResourcePath {
  readonly type: 'resource';
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

const UNKNOWN: ApiPath = { type: 'unknown' };

export function parseApiPath(pathname: string): ApiPath {
  const segments = decodeSegments(pathname);
  if (segments === undefined) return UNKNOWN;
  const [first, second, third, ...rest] = segments;
  if (segments.length === 1 && first === 'version') return { type: 'version' };
  if (segments.length === 1 && (first === 'healthz' || first === 'readyz' || first === 'livez')) return { type: 'health', check: first };
  if (first === 'api') {
    if (second === undefined) return { type: 'coreVersions' };
    if (third === undefined) return { type: 'groupVersion', group: '', version: second };
    return resourcePath('', second, [third, ...rest]);
  }
  if (first === 'apis') {
    if (second === undefined) return { type: 'groups' };
    if (third === undefined) return { type: 'group', group: second };
    const [plural, ...more] = rest;
    if (plural === undefined) return { type: 'groupVersion', group: second, version: third };
    return resourcePath(second, third, [plural, ...more]);
  }
  return UNKNOWN;
}

function decodeSegments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

function resourcePath(group: string, version: string, rest: readonly string[]): ApiPath {
  const base = { type: 'resource', group, version } as const;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const [, namespace, plural, name, subresource, extra] = rest;
    if (plural === undefined || extra !== undefined) return UNKNOWN;
    return { ...base, plural, namespace, name, subresource };
  }
  const [plural, name, subresource, extra] = rest;
  if (plural === undefined || extra !== undefined) return UNKNOWN;
  return { ...base, plural, namespace: undefined, name, subresource };
}
