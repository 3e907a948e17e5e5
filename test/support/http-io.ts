/**
 * Reading request bodies and writing JSON and Status responses for the fake API server.
 *
 * Contract: `readJsonBody` always consumes the whole request body, so the connection stays usable,
 * and then fails with 413 if it was larger than 3 MiB or 400 if it is not JSON. `sendJson` and
 * `sendStatus` write one complete response with Content-Length; they do nothing if the response was
 * already started or the socket is gone.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { statusErrors, type KubeStatus } from './kube-status.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => (size > MAX_BODY_BYTES ? reject(statusErrors.tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw statusErrors.badRequest(`the request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: KubeStatus): void {
  const retryAfter = status.details?.retryAfterSeconds;
  sendJson(res, status.code, status, retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) });
}
