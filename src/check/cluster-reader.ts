/**
 * What the checks ask the Kubernetes API: one object, a list, the server version, a review. Built
 * on the informers' `ApiClient`, so credentials come from the kubeconfig the same way.
 *
 * Contract: every call is one request, aborted by the caller's signal. A 404 on an object is
 * `undefined` (absent is an answer); every other non-2xx answer is a `ClusterRequestError` carrying
 * the status and the message of the API server's Status, worded as kubectl words it. Bodies are
 * parsed as JSON and handed back unvalidated: the caller parses them with its zod projection.
 */
import { readBody, parseJson, type ApiClient } from '../informers/api-client.js';

export class ClusterRequestError extends Error {
  override readonly name = 'ClusterRequestError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export interface ClusterReader {
  /** The object at `path`, or undefined if the server answers 404. */
  get(path: string, signal: AbortSignal): Promise<unknown>;
  /** The items of the list at `path`, optionally filtered by a label selector. */
  list(path: string, signal: AbortSignal, labelSelector?: string): Promise<readonly unknown[]>;
  /** POSTs a JSON object; resolves to the status and the parsed answer whatever the status. */
  post(path: string, body: unknown, signal: AbortSignal): Promise<{ readonly status: number; readonly body: unknown }>;
}

const bodyLimit = 32 * 1024 * 1024;

export function clusterReader(client: ApiClient): ClusterReader {
  async function getJson(path: string, query: Readonly<Record<string, string>>, signal: AbortSignal): Promise<{ status: number; body: unknown }> {
    const response = await client.get(path, query, signal);
    const text = await readBody(response.body, bodyLimit);
    return { status: response.status, body: text === '' ? undefined : parseJson(text, path) };
  }
  return {
    async get(path, signal) {
      const { status, body } = await getJson(path, {}, signal);
      if (status === 404) return undefined;
      if (status < 200 || status >= 300) throw requestError(status, body, path);
      return body;
    },
    async list(path, signal, labelSelector) {
      const { status, body } = await getJson(path, labelSelector === undefined ? {} : { labelSelector }, signal);
      if (status < 200 || status >= 300) throw requestError(status, body, path);
      const items = typeof body === 'object' && body !== null ? (body as { items?: unknown }).items : undefined;
      return Array.isArray(items) ? items : [];
    },
    post(path, body, signal) {
      return client.post(path, body, signal);
    },
  };
}

/** The error for a non-2xx answer: the Status message when there is one. */
export function requestError(status: number, body: unknown, path: string): ClusterRequestError {
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  return new ClusterRequestError(typeof message === 'string' && message !== '' ? message : `GET ${path}: HTTP ${status}`, status);
}
