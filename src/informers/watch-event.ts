/**
 * The envelope of what a watch or an error response carries: a watch line's type and object, an
 * object's resourceVersion, and the message of a Status body. Checked by hand where it runs once
 * per event (the hot path); the object itself goes on untouched to its kind's zod projection.
 */
import { z } from 'zod';
import { readBody, type ApiResponse } from './api-client.js';

export const statusBody = z.object({ code: z.number().optional(), message: z.string().optional(), reason: z.string().optional() });

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
const watchEventTypes: ReadonlySet<string> = new Set<WatchEventType>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * Checks the envelope of a watch line by hand: it runs once per event on the hot path, and the
 * object itself goes on to its kind's zod projection untouched. Returns what is wrong, or the event.
 */
export function watchEvent(parsed: unknown): { type: WatchEventType; object: object } | string {
  if (parsed === null || typeof parsed !== 'object') return 'not an object';
  const { type, object } = parsed as { type?: unknown; object?: unknown };
  if (typeof type !== 'string' || !watchEventTypes.has(type)) return `type ${JSON.stringify(type)} is not a watch event type`;
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return 'object is not an object';
  return { type: type as WatchEventType, object };
}

export function resourceVersionOf(object: object): string | undefined {
  const metadata = (object as { metadata?: unknown }).metadata;
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const version = (metadata as { resourceVersion?: unknown }).resourceVersion;
  return typeof version === 'string' ? version : undefined;
}

/** The message of an error response's Status body, or why it could not be read. */
export async function statusMessage(response: ApiResponse): Promise<string> {
  try {
    const parsed = statusBody.safeParse(JSON.parse(await readBody(response.body, 1024 * 1024)));
    return parsed.success ? parsed.data.message ?? parsed.data.reason ?? '' : '';
  } catch (error) {
    return `(unreadable status body: ${describe(error)})`;
  }
}


/** An error's message, for a log line or a status message. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
