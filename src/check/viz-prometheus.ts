/**
 * What `sinew viz check` asks Prometheus: is it ready (`/-/ready`), and which proxies does it
 * scrape (the `up` series of the `linkerd-proxy` job, labelled `namespace` and `pod` by the scrape
 * configuration's relabelling). Answers are untrusted: parsed with zod, and every failure names
 * where the request went.
 */
import { z } from 'zod';
import { readText, type ServiceClient } from '../viz/service-proxy.js';

export class PrometheusQueryError extends Error {
  override readonly name = 'PrometheusQueryError';
}

export async function checkPrometheusReady(client: ServiceClient, signal: AbortSignal): Promise<void> {
  const response = await client.request({ path: '/-/ready', signal, headers: { accept: 'text/plain' } });
  const text = (await readText(response.body, 64 * 1024)).trim();
  if (response.status !== 200) throw new PrometheusQueryError(`Prometheus at ${client.description} is not ready: HTTP ${response.status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`);
}

const vectorSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }),
});

/** `namespace/pod` of every proxy Prometheus scraped successfully on its last attempt. */
export async function scrapedProxies(client: ServiceClient, signal: AbortSignal): Promise<Set<string>> {
  const query = new URLSearchParams({ query: 'up{job="linkerd-proxy"}' });
  const parsed = vectorSchema.safeParse(await client.json({ path: `/api/v1/query?${query.toString()}`, signal }));
  if (!parsed.success) throw new PrometheusQueryError(`Prometheus at ${client.description} answered the query for up{job="linkerd-proxy"} with something other than a vector`);
  const scraped = new Set<string>();
  for (const sample of parsed.data.data.result) {
    const { namespace, pod } = sample.metric;
    if (namespace !== undefined && pod !== undefined && sample.value[1] === '1') scraped.add(`${namespace}/${pod}`);
  }
  return scraped;
}
