/**
 * The MetricsBackend on a real Prometheus: each query's PromQL text (metric-query.ts) sent to
 * `GET <url>/api/v1/query` as an instant query at the present time.
 *
 * Contract: the answer is checked against Prometheus' JSON (`status: success`, a `vector`), values
 * as numbers (`NaN`, `+Inf` included); anything else — an unreachable server, a non-2xx status, an
 * `error` answer, another result type — throws BackendError naming the server and the query.
 * A query takes at most `timeoutMs` (default 30 s).
 */
import { z } from 'zod';
import { BackendError, type MetricQuery, type MetricsBackend, renderPromQl, type VectorSample } from './metric-query.js';
import { parseBound } from './promql-functions.js';

const answerSchema = z.object({
  status: z.string(),
  error: z.string().optional(),
  data: z.object({
    resultType: z.string(),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }).optional(),
});

export interface PrometheusBackendOptions {
  /** The server's base URL (`http://prometheus.linkerd-viz.svc.cluster.local:9090`). */
  readonly url: string;
  readonly timeoutMs?: number;
}

function sampleValue(text: string): number {
  if (text === 'NaN') return NaN;
  const bound = parseBound(text);
  return bound;
}

export function prometheusBackend(options: PrometheusBackendOptions): MetricsBackend {
  const base = options.url.replace(/\/+$/, '');
  const description = `Prometheus at ${base}`;
  async function run(promql: string): Promise<VectorSample[]> {
    let response: Response;
    try {
      response = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000), headers: { accept: 'application/json' },
      });
    } catch (error) {
      throw new BackendError(`cannot reach ${description}: ${(error as Error).message}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new BackendError(`${description} answered ${response.status} with a body that is not JSON to ${promql}: ${text.slice(0, 200)}`);
    }
    const parsed = answerSchema.safeParse(body);
    if (!parsed.success) throw new BackendError(`${description} answered ${promql} with an unexpected body`);
    const { status, error, data } = parsed.data;
    if (status !== 'success' || data === undefined) throw new BackendError(`${description} refused ${promql}: ${error ?? status}`);
    if (data.resultType !== 'vector') throw new BackendError(`${description} answered ${promql} with a ${data.resultType}, not a vector`);
    return data.result.map(({ metric, value }) => ({ labels: metric, value: sampleValue(value[1]) }));
  }
  return { description, query: (query: MetricQuery) => run(renderPromQl(query)) };
}
