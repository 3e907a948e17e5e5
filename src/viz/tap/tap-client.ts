/**
 * A client of the tap server's HTTP API (tap-event.ts), through a ServiceClient (a direct URL or
 * the API server's service proxy): one POST per tap, the NDJSON answer read line by line.
 *
 * Contract: events are yielded in the order of their lines, each checked against the TapEvent
 * schema; a line that is not an event, or longer than 1 MiB, ends the tap with a TapClientError
 * naming it. A non-2xx answer is a TapClientError carrying the server's `error` message and its
 * status. Aborting `signal` ends the iteration quietly.
 */
import { readText, type ServiceClient } from '../service-proxy.js';
import type { Resource } from '../metrics-api-types.js';
import { tapEventSchema, tapPath, type TapEvent, type TapRequestBody } from './tap-event.js';

export class TapClientError extends Error {
  override readonly name = 'TapClientError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

const maxLineBytes = 1 << 20;

function parseLine(line: string, where: string): TapEvent {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new TapClientError(`${where} sent a line that is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
  }
  const parsed = tapEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TapClientError(`${where} sent an event outside the tap contract (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`);
  }
  return parsed.data;
}

async function failure(client: ServiceClient, status: number, body: AsyncIterable<unknown> & Parameters<typeof readText>[0]): Promise<TapClientError> {
  const text = await readText(body, 64 * 1024).catch((error: unknown) => (error as Error).message);
  let message = text.trim();
  try {
    const json = JSON.parse(text) as { error?: unknown };
    if (typeof json.error === 'string') message = json.error;
  } catch {
    // not JSON: the text itself
  }
  return new TapClientError(`${client.description} answered ${status}: ${message}`, status);
}

/** Taps `target` (a named resource, or a namespace) with `body`'s filters. */
export async function* watchTap(client: ServiceClient, target: Resource, body: TapRequestBody, signal: AbortSignal): AsyncGenerator<TapEvent> {
  let response;
  try {
    response = await client.request({
      method: 'POST', path: tapPath(target.namespace, target.type, target.name), body, signal, headers: { accept: 'application/x-ndjson' },
    });
  } catch (error) {
    if (signal.aborted) return;
    throw new TapClientError((error as Error).message);
  }
  if (response.status < 200 || response.status > 299) throw await failure(client, response.status, response.body);
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for await (const chunk of response.body) {
      pending += decoder.decode(chunk as Buffer, { stream: true });
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== '') yield parseLine(line, client.description);
      }
      if (pending.length > maxLineBytes) throw new TapClientError(`${client.description} sent a line longer than ${maxLineBytes} bytes`);
    }
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof TapClientError) throw error;
    throw new TapClientError(`the tap from ${client.description} broke off: ${(error as Error).message}`);
  } finally {
    response.body.destroy();
  }
}
