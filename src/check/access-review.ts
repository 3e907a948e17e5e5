/**
 * May the CLI's user perform a verb on a resource? Asked with a SelfSubjectAccessReview, as
 * `kubectl auth can-i` does. An API server that does not serve SelfSubjectAccessReview (a test
 * double, a stripped-down distribution) is asked through discovery instead: the resource must be
 * served and list the verb. That says the server can do it, not that RBAC lets this user; the
 * error says which way the answer was reached.
 *
 * Contract: resolves when allowed; throws an Error naming the verb, resource and namespace when
 * not, with the reviewer's reason if it gave one.
 */
import { z } from 'zod';
import type { ClusterReader } from './cluster-reader.js';
import { parseAs, paths } from './resources.js';

export interface ResourceAttributes {
  readonly verb: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly namespace?: string;
}

const reviewAnswer = z.object({ status: z.object({ allowed: z.boolean(), reason: z.string().optional() }) });
const resourceList = z.object({ resources: z.array(z.object({ name: z.string(), verbs: z.array(z.string()) })) });

function describe(attributes: ResourceAttributes): string {
  const where = attributes.namespace === undefined ? '' : ` in namespace "${attributes.namespace}"`;
  const group = attributes.group === '' ? '' : `.${attributes.group}`;
  return `${attributes.verb} ${attributes.resource}${group}${where}`;
}

export async function checkAccess(client: ClusterReader, attributes: ResourceAttributes, signal: AbortSignal): Promise<void> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { ...attributes } },
  };
  const answer = await client.post(paths.selfSubjectAccessReviews, review, signal);
  if (answer.status === 404) return checkServed(client, attributes, signal);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`cannot ask whether this user may ${describe(attributes)}: HTTP ${answer.status}`);
  const { status } = parseAs(reviewAnswer, answer.body, 'the SelfSubjectAccessReview answer');
  if (!status.allowed) {
    throw new Error(`not authorized to ${describe(attributes)}${status.reason === undefined || status.reason === '' ? '' : `: ${status.reason}`}`);
  }
}

async function checkServed(client: ClusterReader, attributes: ResourceAttributes, signal: AbortSignal): Promise<void> {
  const path = attributes.group === '' ? `/api/${attributes.version}` : `/apis/${attributes.group}/${attributes.version}`;
  const answer = await client.get(path, signal);
  const served = answer === undefined ? [] : parseAs(resourceList, answer, `the resource list at ${path}`).resources;
  const resource = served.find((r) => r.name === attributes.resource);
  if (resource === undefined || !resource.verbs.includes(attributes.verb)) {
    throw new Error(`cannot ${describe(attributes)}: the API server does not serve SelfSubjectAccessReview, and its discovery does not offer that verb on that resource`);
  }
}
