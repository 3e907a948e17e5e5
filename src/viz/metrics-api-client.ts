/**
 * The metrics API over HTTP: a MetricsApi that sends each query to `sinew viz metrics-api` (through
 * the API server's service proxy or at a direct URL, see service-proxy.ts) and checks the answer
 * against the contract's schemas.
 *
 * Contract: every failure is a MetricsApiError: the server's 400 message for a bad query, the
 * HTTP status and message otherwise, status 0 for an unreachable server or an answer that breaks
 * the contract.
 */
import type { z } from 'zod';
import { edgesParams, routesParams, statParams } from './metrics-api-query.js';
import {
  edgesResponseSchema, MetricsApiError, type MetricsApi, namespacesResponseSchema, routesResponseSchema, statResponseSchema,
} from './metrics-api-types.js';
import { type ServiceClient, ServiceProxyError } from './service-proxy.js';

export const metricsApiService = { service: 'metrics-api', port: 8085 } as const;

async function get<T>(client: ServiceClient, path: string, params: URLSearchParams, schema: z.ZodType<T>): Promise<T> {
  const query = params.toString();
  let body: unknown;
  try {
    body = await client.json({ path: query === '' ? path : `${path}?${query}` });
  } catch (error) {
    if (error instanceof ServiceProxyError) throw new MetricsApiError(error.status, error.message);
    throw error;
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MetricsApiError(0, `${client.description} answered ${path} with JSON outside the contract (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`);
  }
  return parsed.data;
}

export function metricsApiClient(client: ServiceClient): MetricsApi {
  return {
    stat: (query) => get(client, '/api/v1/stat', statParams(query), statResponseSchema),
    routes: (query) => get(client, '/api/v1/routes', routesParams(query), routesResponseSchema),
    edges: (query) => get(client, '/api/v1/edges', edgesParams(query), edgesResponseSchema),
    namespaces: () => get(client, '/api/v1/namespaces', new URLSearchParams(), namespacesResponseSchema),
  };
}
