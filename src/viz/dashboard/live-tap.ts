/**
 * The live tap of the workload page: a WebSocket at `/api/tap?namespace=NS&resource_type=TYPE&
 * resource_name=NAME[&path=PREFIX][&method=M][&authority=A][&max_rps=N]` that carries the tap
 * server's events for that resource, each with its line as `sinew viz tap` prints it.
 *
 * Messages (JSON text frames, server to browser only):
 *   `{ "type": "event", "line": "req id=…", "event": TapEvent }`
 *   `{ "type": "dropped", "count": N }`   N events were skipped because the browser read too slowly
 *   `{ "type": "end", "reason": "…" }`    the tap ended; the socket closes normally
 *   `{ "type": "error", "error": "…" }`   the tap failed; the socket closes with 1011
 * Contract: events keep the tap server's order; while more than `maxBufferedBytes` wait unsent,
 * new events are dropped and counted (memory stays bounded however slow the reader is); closing
 * the socket aborts the tap upstream at once.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../../observe/logger.js';
import { BadQueryError } from '../metrics-api-types.js';
import { formatTapLine, tapRequestBodySchema, type TapRequestBody } from '../tap/tap-event.js';
import { workloadPages } from './page-routes.js';
import type { TapSource, TapTarget } from './tap-source.js';

export interface LiveTapRequest {
  readonly target: TapTarget;
  readonly body: TapRequestBody;
}

export const maxBufferedBytes = 1 << 20;
/** Linkerd's default rate of tapped requests. */
export const defaultMaxRps = 100;

const parameters = ['namespace', 'resource_type', 'resource_name', 'path', 'method', 'authority', 'max_rps'];
const tapTypes = new Set<string>(['namespace', ...Object.values(workloadPages)]);
const kubeName = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const printable = /^[\x21-\x7e]{1,1024}$/;

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') throw new BadQueryError(name, 'is required');
  return value;
}

function optionalText(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  if (!printable.test(value)) throw new BadQueryError(name, `must be 1 to 1024 printable characters without spaces; got ${JSON.stringify(value.slice(0, 80))}`);
  return value;
}

/** The tap a socket asks for, from its URL's query; throws BadQueryError naming the parameter. */
export function liveTapRequestFrom(params: URLSearchParams): LiveTapRequest {
  const stray = [...params.keys()].find((key) => !parameters.includes(key));
  if (stray !== undefined) throw new BadQueryError(stray, `is not a tap parameter (they are ${parameters.join(', ')})`);
  const namespace = required(params, 'namespace');
  if (!kubeName.test(namespace)) throw new BadQueryError('namespace', `must be a Kubernetes name; got ${JSON.stringify(namespace)}`);
  const type = required(params, 'resource_type');
  if (!tapTypes.has(type)) throw new BadQueryError('resource_type', `must be one of ${[...tapTypes].join(', ')}; got ${JSON.stringify(type)}`);
  const name = type === 'namespace' ? '' : required(params, 'resource_name');
  if (type !== 'namespace' && !kubeName.test(name)) throw new BadQueryError('resource_name', `must be a Kubernetes name; got ${JSON.stringify(name)}`);
  const path = optionalText(params, 'path');
  if (path !== undefined && !path.startsWith('/')) throw new BadQueryError('path', `must start with /; got ${JSON.stringify(path)}`);
  const rps = params.get('max_rps');
  const maxRps = rps === null || rps === '' ? defaultMaxRps : Number(rps);
  if (!Number.isFinite(maxRps) || maxRps <= 0 || maxRps > defaultMaxRps) throw new BadQueryError('max_rps', `must be a number above 0 and at most ${defaultMaxRps}; got ${JSON.stringify(rps)}`);
  const parsed = tapRequestBodySchema.safeParse({
    maxRps, ...(path === undefined ? {} : { path }),
    ...optionalField('method', optionalText(params, 'method')), ...optionalField('authority', optionalText(params, 'authority')),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadQueryError(String(issue?.path[0] ?? 'query'), issue?.message ?? 'is malformed');
  }
  return { target: { namespace, type: type as TapTarget['type'], name }, body: parsed.data };
}

function optionalField(name: string, value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [name]: value };
}

/** Streams `request` from `tap` onto `socket` until either side ends. Never throws. */
export async function runLiveTap(socket: WebSocket, request: LiveTapRequest, tap: TapSource, log: Logger): Promise<void> {
  const abort = new AbortController();
  socket.once('close', () => abort.abort());
  socket.on('error', (error) => log.debug('tap socket error', { error: error.message }));
  const send = (message: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  let dropped = 0;
  try {
    for await (const event of tap.watch(request.target, request.body, abort.signal)) {
      if (abort.signal.aborted) break;
      if (socket.bufferedAmount > maxBufferedBytes) {
        dropped += 1;
        continue;
      }
      if (dropped > 0) {
        send({ type: 'dropped', count: dropped });
        dropped = 0;
      }
      send({ type: 'event', line: formatTapLine(event), event });
    }
    if (!abort.signal.aborted) {
      send({ type: 'end', reason: 'the tap ended (its limit was reached, or no tapped proxy is left)' });
      socket.close(1000, 'tap ended');
    }
  } catch (error) {
    if (abort.signal.aborted) return;
    log.warn('live tap failed', { namespace: request.target.namespace, resource: `${request.target.type}/${request.target.name}`, error: (error as Error).message });
    send({ type: 'error', error: (error as Error).message });
    socket.close(1011, 'tap failed');
  }
}
