/**
 * A namespace's annotations, read from the API server when an admission needs them (the injector
 * reads them for every pod it admits, as Linkerd's does, so a changed annotation counts at once).
 * A namespace that does not exist has none; any other failure rejects with a message naming the
 * namespace, and the caller decides what that means.
 */
import { z } from 'zod';
import { type ApiClient, parseJson, readBody } from '../informers/api-client.js';

const namespaceSchema = z.object({
  metadata: z.object({ annotations: z.record(z.string(), z.string()).optional() }),
});

export function namespaceAnnotationsFrom(client: ApiClient, timeoutMs = 3000): (namespace: string) => Promise<Readonly<Record<string, string>>> {
  return async (namespace) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await client.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}`, {}, signal);
    const text = await readBody(response.body, 1024 * 1024);
    if (response.status === 404) return {};
    if (response.status !== 200) throw new Error(`reading namespace ${JSON.stringify(namespace)}: HTTP ${response.status}`);
    const parsed = namespaceSchema.safeParse(parseJson(text, `namespace ${namespace}`));
    if (!parsed.success) throw new Error(`namespace ${JSON.stringify(namespace)} from the API server is not a Namespace`);
    return parsed.data.metadata.annotations ?? {};
  };
}
