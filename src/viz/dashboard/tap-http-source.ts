/**
 * A TapSource over the tap server's HTTP API (tap-event.ts): one POST per tap, its NDJSON answer
 * read line by line, each line checked against the TapEvent schema.
 *
 * Contract: events are yielded in the order of their lines; a line longer than `maxLineBytes` or
 * outside the schema ends the tap with a TapSourceError naming it (a tap server that breaks the
 * contract is not guessed at); a non-2xx answer is a TapSourceError with the server's message
 * and status; aborting the signal ends the iteration without an error.
 */
import type http from 'node:http';
import { TextDecoder } from 'node:util';
import { readText, type ServiceClient } from '../service-proxy.js';
import { tapEventSchema, tapPath, type TapEvent, type TapRequestBody } from '../tap/tap-event.js';
import { TapSourceError, type TapSource, type TapTarget } from './tap-source.js';

export const tapService = { service: 'tap', port: 8089 } as const;
export const maxLineBytes = 1 << 20;

function parseLine(line: string, description: string): TapEvent {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new TapSourceError(`${description} sent a line that is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
  }
  const parsed = tapEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TapSourceError(`${description} sent an event outside the contract (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`);
  }
  return parsed.data;
}

/** The `error` of a JSON error body, or undefined when the body is not one. */
function errorField(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as { error?: unknown };
    return typeof json.error === 'string' ? json.error : undefined;
  } catch {
    return undefined;
  }
}

async function errorOf(body: http.IncomingMessage, status: number, description: string): Promise<TapSourceError> {
  let text: string;
  try {
    text = await readText(body, 64 * 1024);
  } catch (error) {
    text = (error as Error).message;
  }
  return new TapSourceError(`${description} answered ${status}: ${errorField(text) ?? text.trim()}`, status);
}

/** The tap server behind `client` (a direct URL or the API server's service proxy) as a TapSource. */
export function httpTapSource(client: ServiceClient): TapSource {
  return {
    async *watch(target: TapTarget, body: TapRequestBody, signal: AbortSignal): AsyncIterable<TapEvent> {
      let response;
      try {
        response = await client.request({
          method: 'POST', path: tapPath(target.namespace, target.type, target.name), body, signal, headers: { accept: 'application/x-ndjson' },
        });
      } catch (error) {
        if (signal.aborted) return;
        throw new TapSourceError((error as Error).message);
      }
      if (response.status < 200 || response.status > 299) throw await errorOf(response.body, response.status, client.description);
      const decoder = new TextDecoder();
      let pending = '';
      try {
        for await (const chunk of response.body) {
          pending += decoder.decode(chunk as Buffer, { stream: true });
          let newline: number;
          while ((newline = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line !== '') yield parseLine(line, client.description);
          }
          if (pending.length > maxLineBytes) throw new TapSourceError(`${client.description} sent a line longer than ${maxLineBytes} bytes`);
        }
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof TapSourceError) throw error;
        throw new TapSourceError(`the tap stream from ${client.description} broke off: ${(error as Error).message}`);
      } finally {
        response.body.destroy();
      }
      const last = pending.trim();
      if (last !== '') yield parseLine(last, client.description);
    },
  };
}
