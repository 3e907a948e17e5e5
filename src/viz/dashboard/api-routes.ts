/**
 * The dashboard's JSON endpoints, which the page reads: the metrics API's own queries
 * (`/api/v1/namespaces`, `/api/v1/stat`, `/api/v1/routes`, `/api/v1/edges`, with the metrics API's
 * parameter names), checked here before anything is asked upstream.
 *
 * Contract: a malformed query is answered 400 `{ "error": "<parameter>: <what is wrong>" }` and never
 * reaches the metrics API; an upstream that refuses the query is passed on as 400, an upstream that
 * fails or cannot be reached as 502, each with the reason. The answer is the metrics API's JSON,
 * unchanged.
 */
import { edgesQueryFrom, routesQueryFrom, statQueryFrom } from '../metrics-api-query.js';
import { BadQueryError, type MetricsApi, MetricsApiError } from '../metrics-api-types.js';

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

type Endpoint = (params: URLSearchParams, metrics: MetricsApi) => Promise<unknown>;

const endpoints: Readonly<Record<string, Endpoint>> = {
  '/api/v1/namespaces': (params, metrics) => {
    const stray = [...params.keys()][0];
    if (stray !== undefined) throw new BadQueryError(stray, 'is not a parameter of this query (it takes none)');
    return metrics.namespaces();
  },
  '/api/v1/stat': (params, metrics) => metrics.stat(statQueryFrom(params)),
  '/api/v1/routes': (params, metrics) => metrics.routes(routesQueryFrom(params)),
  '/api/v1/edges': (params, metrics) => metrics.edges(edgesQueryFrom(params)),
};

/** Whether `pathname` is one of the JSON endpoints. */
export function isApiPath(pathname: string): boolean {
  return Object.hasOwn(endpoints, pathname);
}

/** The answer to a GET of an API endpoint (`pathname` must satisfy isApiPath). */
export async function answerApi(pathname: string, params: URLSearchParams, metrics: MetricsApi): Promise<ApiAnswer> {
  const endpoint = endpoints[pathname];
  if (endpoint === undefined) return { status: 404, body: { error: `no API endpoint ${pathname}` } };
  try {
    return { status: 200, body: await endpoint(params, metrics) };
  } catch (error) {
    if (error instanceof BadQueryError) return { status: 400, body: { error: error.message } };
    if (error instanceof MetricsApiError) {
      return { status: error.status === 400 ? 400 : 502, body: { error: `metrics API: ${error.message}` } };
    }
    return { status: 502, body: { error: `metrics API: ${(error as Error).message}` } };
  }
}
