/**
 * The one door to the Kubernetes API: authenticated GET requests built from a kubeconfig.
 *
 * client-node's KubeConfig supplies the server, TLS material and credentials (tokens, client
 * certificates, exec plugins); the request itself is a plain node:http(s) call so the caller sees
 * the raw response stream. That is what the reflector needs: it reads watch lines as they arrive,
 * counts the ones it cannot parse, and decides itself what an error means. client-node's own
 * ListWatch stops for good on errors and drops lines it cannot parse, so it is not used.
 */
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError } from './api-error.js';

export interface ApiResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: http.IncomingMessage;
}

export interface ApiClient {
  /** Starts a GET; resolves once the response headers are in. Aborting the signal destroys it. */
  get(path: string, query: Readonly<Record<string, string>>, signal: AbortSignal): Promise<ApiResponse>;
  /** A JSON POST (TokenReview and the like); resolves to the parsed body. */
  post(path: string, body: unknown, signal: AbortSignal): Promise<{ status: number; body: unknown }>;
}

export function kubeApiClient(kubeConfig: KubeConfig): ApiClient {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new ApiError('kubeconfig has no current cluster', 0, 'terminal');
  const server = new URL(cluster.server);
  const agents = new KeepAliveAgents();

  async function start(method: string, path: string, query: Readonly<Record<string, string>>, signal: AbortSignal,
    body?: Buffer): Promise<http.IncomingMessage> {
    const options: https.RequestOptions = { method, headers: { accept: 'application/json' } };
    await kubeConfig.applyToHTTPSOptions(options);
    const url = new URL(joinPath(server.pathname, path), server);
    options.agent = agents.for(url.protocol, options);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const send = url.protocol === 'https:' ? https.request : http.request;
    if (body !== undefined) {
      options.headers = { ...options.headers, 'content-type': 'application/json', 'content-length': body.length };
    }
    return new Promise((resolve, reject) => {
      const request = send(url, { ...options, signal }, resolve);
      request.once('error', reject);
      request.end(body);
    });
  }

  return {
    async get(path, query, signal) {
      const response = await start('GET', path, query, signal);
      return { status: response.statusCode ?? 0, headers: response.headers, body: response };
    },
    async post(path, payload, signal) {
      const response = await start('POST', path, {}, signal, Buffer.from(JSON.stringify(payload)));
      const text = await readBody(response, 16 * 1024 * 1024);
      return { status: response.statusCode ?? 0, body: parseJson(text, path) };
    },
  };
}

/**
 * Keep-alive agents, one per distinct TLS material. client-node builds a fresh agent for every
 * request (so every request would open a connection, and over TLS pay a handshake); credentials
 * are still applied per request (tokens rotate), but connections are reused while the CA, client
 * certificate and key stay the same.
 */
class KeepAliveAgents {
  private readonly byMaterial = new Map<string, http.Agent>();

  for(protocol: string, options: https.RequestOptions): http.Agent {
    const material = createHash('sha256');
    for (const part of [protocol, options.ca, options.cert, options.key, options.pfx, options.passphrase, options.servername, String(options.rejectUnauthorized)]) {
      material.update(part === undefined ? '-' : typeof part === 'string' || Buffer.isBuffer(part) ? part : JSON.stringify(part)).update('\u0000');
    }
    const key = material.digest('hex');
    let agent = this.byMaterial.get(key);
    if (agent === undefined) {
      agent = protocol === 'https:'
        ? new https.Agent({
          keepAlive: true, ca: options.ca, cert: options.cert, key: options.key, pfx: options.pfx, passphrase: options.passphrase,
          servername: options.servername, ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }),
        })
        : new http.Agent({ keepAlive: true });
      if (this.byMaterial.size > 16) this.byMaterial.clear();
      this.byMaterial.set(key, agent);
    }
    return agent;
  }
}

function joinPath(base: string, path: string): string {
  return base.endsWith('/') ? base.slice(0, -1) + path : base + path;
}

/** Reads a whole response body, refusing more than `limit` bytes. */
export async function readBody(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > limit) throw new ApiError(`response body over ${limit} bytes`, 0, 'retryable');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(`${what}: response is not JSON (${(error as Error).message})`, 0, 'retryable');
  }
}
