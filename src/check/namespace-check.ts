/** Does a namespace exist? The answer both ways, with Linkerd's wording. */
import type { ClusterReader } from './cluster-reader.js';
import { paths } from './resources.js';

export async function checkNamespace(client: ClusterReader, namespace: string, shouldExist: boolean, signal: AbortSignal): Promise<void> {
  const exists = (await client.get(paths.namespace(namespace), signal)) !== undefined;
  if (shouldExist && !exists) throw new Error(`The "${namespace}" namespace does not exist`);
  if (!shouldExist && exists) throw new Error(`The "${namespace}" namespace already exists`);
}
