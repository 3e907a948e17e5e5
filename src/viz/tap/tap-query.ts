/**
 * A tap request to the tap server, read and checked: the resource from the URL path, the filters
 * from the JSON body (tap-event.ts), and the `ObserveRequest.Match` every proxy gets, built as
 * Linkerd's tap server builds it: `all` of the `--to` resource's destination labels (its type's
 * label and its namespace; outbound traffic only, since only outbound events carry them), the
 * scheme, the method, the authority (exact) and the path (prefix).
 *
 * Contract: `parseTapPath` and `parseTapBody` throw a `TapQueryError` whose message names the
 * part that is wrong (`path`, `toResource`, `maxRps`, …) and whose status is the HTTP answer
 * (404 for a path that is not a tap path, 400 for the rest). Pure.
 */
import type { ObserveRequest } from '../../gen/proto/io/linkerd/proxy/tap/ObserveRequest.js';
import { toMethod, toScheme } from '../../proxy/tap/tap-proto.js';
import type { Resource, ResourceType } from '../metrics-api-types.js';
import { parseResourceFlag, resourceTypeOf } from '../resource-args.js';
import { tapRequestBodySchema, type TapRequestBody } from './tap-event.js';

export class TapQueryError extends Error {
  override readonly name = 'TapQueryError';
  constructor(message: string, readonly status: number = 400) {
    super(message);
  }
}

export type Match = NonNullable<ObserveRequest['match']>;

export const defaultMaxRps = 100;

/** The resource types that can be tapped (their pods are). */
const tappable: readonly ResourceType[] = [
  'namespace', 'pod', 'deployment', 'statefulset', 'daemonset', 'job', 'cronjob', 'replicaset', 'replicationcontroller', 'service',
];

const prefix = '/apis/tap.linkerd.io/v1alpha1/watch/namespaces/';
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const objectName = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The resource a tap path names: `…/namespaces/NS/tap` or `…/namespaces/NS/TYPE/NAME/tap`. */
export function parseTapPath(pathname: string): Resource {
  if (!pathname.startsWith(prefix) || !pathname.endsWith('/tap')) {
    throw new TapQueryError(`path: ${JSON.stringify(pathname)} is not ${prefix}NAMESPACE[/TYPE/NAME]/tap`, 404);
  }
  const parts = pathname.slice(prefix.length, -'/tap'.length).split('/').map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new TapQueryError(`path: ${JSON.stringify(part)} is not URL-encoded text`);
    }
  });
  const [namespace = '', type, name, ...rest] = parts;
  if (!dnsLabel.test(namespace)) throw new TapQueryError(`path: the namespace ${JSON.stringify(namespace)} is not a DNS label`);
  if (type === undefined) return { type: 'namespace', namespace, name: namespace };
  if (name === undefined || rest.length > 0) throw new TapQueryError(`path: expected ${prefix}NAMESPACE/TYPE/NAME/tap`, 404);
  const canonical = resourceTypeOf(type);
  if (canonical === undefined || canonical === 'all' || !tappable.includes(canonical)) {
    throw new TapQueryError(`path: ${JSON.stringify(type)} is not a resource type that can be tapped (${tappable.join(', ')})`);
  }
  if (!objectName.test(name)) throw new TapQueryError(`path: ${JSON.stringify(name)} is not a Kubernetes name`);
  return canonical === 'namespace' ? { type: canonical, namespace: name, name } : { type: canonical, namespace, name };
}

/** The request body, checked against the contract; an empty body means no filters. */
export function parseTapBody(text: string): TapRequestBody {
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw new TapQueryError(`body: not JSON (${(error as Error).message})`);
  }
  const parsed = tapRequestBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? (issue.keys ?? []).join(', ') : 'body');
    throw new TapQueryError(`${field}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The `--to` resource, in `toNamespace` or the tapped resource's namespace. */
export function toResourceOf(body: TapRequestBody, target: Resource): Resource | undefined {
  if (body.toResource === undefined) return undefined;
  try {
    return parseResourceFlag('toResource', body.toResource, body.toNamespace ?? target.namespace);
  } catch (error) {
    throw new TapQueryError((error as Error).message);
  }
}

/** The filter every tapped proxy applies. */
export function observeMatch(body: TapRequestBody, to: Resource | undefined): Match {
  const matches: Match[] = [];
  if (to !== undefined) {
    if (to.name !== '') matches.push({ destination_label: { key: to.type, value: to.name } });
    if (to.type !== 'namespace' && to.namespace !== '') matches.push({ destination_label: { key: 'namespace', value: to.namespace } });
  }
  if (body.scheme !== undefined) matches.push({ http: { scheme: toScheme(body.scheme) } });
  if (body.method !== undefined) matches.push({ http: { method: toMethod(body.method) } });
  if (body.authority !== undefined) matches.push({ http: { authority: { exact: body.authority } } });
  if (body.path !== undefined) matches.push({ http: { path: { prefix: body.path } } });
  return { all: { matches } };
}
