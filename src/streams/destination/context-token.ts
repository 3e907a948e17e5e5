/**
 * The context token a proxy sends with each lookup (`LINKERD2_PROXY_DESTINATION_CONTEXT`): JSON such
 * as `{"ns":"shop","nodeName":"node-1","pod":"web-1"}`. It only narrows answers (the caller's node
 * and namespace); a token that does not parse narrows nothing, it never fails a request.
 */
import { z } from 'zod';

export interface ContextToken {
  readonly namespace?: string;
  readonly nodeName?: string;
}

const tokenSchema = z.object({ ns: z.string().max(253).optional(), nodeName: z.string().max(253).optional() });

export function parseContextToken(text: string): ContextToken {
  if (text === '' || text.length > 4096) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  const parsed = tokenSchema.safeParse(raw);
  if (!parsed.success) return {};
  return { namespace: parsed.data.ns, nodeName: parsed.data.nodeName };
}
