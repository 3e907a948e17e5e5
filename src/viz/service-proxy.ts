/**
 * An HTTP client for a viz service (metrics API, tap), reached either through the Kubernetes API
 * server's service proxy (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH`, with the
 * kubeconfig's server, TLS material and credentials) or directly at a URL (`--api-addr`,
 * `--tap-addr`).
 *
 * Contract: `request` resolves once the response head is in and hands over the body as a stream
 * (NDJSON watches read it line by line); aborting the signal destroys the request. `json` reads
 * the whole body (at most 64 MiB) and throws ServiceProxyError for a non-2xx status — with the
 * service's `{ "error" }` message when it sent one — for an unreachable service, or a body that is
 * not JSON. Errors always name where the request went.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class ServiceProxyError extends Error {
  constructor(message: string, readonly status: number = 0) {
    super(message);
    this.name = 'ServiceProxyError';
  }
}

export type ServiceTarget =
  | { readonly kind: 'direct'; readonly url: string }
  | { readonly kind: 'kube'; readonly kubeConfig: KubeConfig; readonly namespace: string; readonly service: string; readonly port: number | string };

export interface ServiceRequest {
  readonly method?: 'GET' | 'POST';
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

export interface ServiceResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: http.IncomingMessage;
}

export interface ServiceClient {
  /** Where requests go, for messages: `http://127.0.0.1:8085` or `svc/metrics-api:8085 in linkerd-viz via the API server`. */
  readonly description: string;
  request(request: ServiceRequest): Promise<ServiceResponse>;
  json(request: ServiceRequest): Promise<unknown>;
}

const maxBody = 64 * 1024 * 1024;

/** Reads a whole body as text, up to `limit` bytes. */
export async function readText(body: http.IncomingMessage, limit = maxBody): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      body.destroy();
      throw new ServiceProxyError(`response larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function baseOf(target: ServiceTarget): { url: URL; description: string } {
  if (target.kind === 'direct') {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      throw new ServiceProxyError(`${JSON.stringify(target.url)} is not a URL (such as http://127.0.0.1:8085)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ServiceProxyError(`${JSON.stringify(target.url)} must be an http or https URL`);
    return { url, description: url.origin + url.pathname.replace(/\/$/, '') };
  }
  const cluster = target.kubeConfig.getCurrentCluster();
  if (cluster === null) throw new ServiceProxyError('the kubeconfig names no current cluster');
  const server = new URL(cluster.server);
  const base = server.pathname.replace(/\/$/, '');
  const proxy = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/services/${encodeURIComponent(target.service)}:${encodeURIComponent(String(target.port))}/proxy`;
  return { url: new URL(base + proxy, server), description: `svc/${target.service}:${target.port} in ${target.namespace} via the API server ${server.origin}` };
}

export function serviceClient(target: ServiceTarget): ServiceClient {
  const { url: base, description } = baseOf(target);
  const agent = base.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });

  async function request(req: ServiceRequest): Promise<ServiceResponse> {
    const url = new URL(base.pathname.replace(/\/$/, '') + req.path, base);
    const payload = req.body === undefined ? undefined : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
    const options: https.RequestOptions = {
      method: req.method ?? 'GET',
      headers: {
        accept: 'application/json', ...req.headers,
        ...(payload === undefined ? {} : { 'content-type': req.headers?.['content-type'] ?? 'application/json', 'content-length': payload.length }),
      },
    };
    if (target.kind === 'kube') await target.kubeConfig.applyToHTTPSOptions(options);
    options.agent = agent;
    const send = url.protocol === 'https:' ? https.request : http.request;
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const outgoing = send(url, { ...options, ...(req.signal === undefined ? {} : { signal: req.signal }) }, resolve);
      outgoing.once('error', (error) => reject(new ServiceProxyError(`cannot reach ${description}: ${error.message}`)));
      outgoing.end(payload);
    });
    return { status: response.statusCode ?? 0, headers: response.headers, body: response };
  }

  return {
    description,
    request,
    async json(req) {
      const response = await request(req);
      const text = await readText(response.body);
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (response.status < 200 || response.status > 299) {
        const message = parsed !== null && typeof parsed === 'object' && typeof (parsed as { error?: unknown }).error === 'string'
          ? (parsed as { error: string }).error
          : parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string'
            ? (parsed as { message: string }).message
            : text.slice(0, 500).trim();
        throw new ServiceProxyError(`${description} answered ${response.status}: ${message}`, response.status);
      }
      if (parsed === undefined) throw new ServiceProxyError(`${description} answered with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
      return parsed;
    },
  };
}
