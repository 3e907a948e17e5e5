/**
 * Where the time goes: summarizes a V8 CPU profile (`node --cpu-prof`) into the functions and
 * files with the most self time. Measures nothing itself; `run.js --profile DIR` uses it on the
 * profile of an extra ingest run. Self time per node is samples × the mean sampling interval.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const profileSchema = z.object({
  nodes: z.array(z.object({
    id: z.number(),
    callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
  })),
  samples: z.array(z.number()),
  startTime: z.number(),
  endTime: z.number(),
});

export interface Hotspot {
  readonly name: string;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly functions: readonly Hotspot[];
  readonly files: readonly Hotspot[];
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = profileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const where = shortUrl(frame.url);
    const name = `${frame.functionName || '(anonymous)'} ${where === '' ? '' : `${where}:${frame.lineNumber + 1}`}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + 1);
    const fileName = where === '' ? (frame.functionName || '(no script: native or eval\'d code)') : where;
    files.set(fileName, (files.get(fileName) ?? 0) + 1);
  }
  const total = profile.samples.length || 1;
  const rank = (counts: Map<string, number>): Hotspot[] => [...counts]
    .sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, count]) => ({ name, percent: (count / total) * 100 }));
  return { totalMs: (profile.endTime - profile.startTime) / 1000, functions: rank(functions), files: rank(files) };
}

/** `…/node_modules/zod/v4/core/schemas.js` → `zod/v4/core/schemas.js`; `…/dist/src/x.js` → `src/x.js`. */
function shortUrl(url: string): string {
  if (url === '') return '';
  const text = url.replace(/^file:\/\//, '');
  const modules = text.lastIndexOf('node_modules/');
  if (modules !== -1) return text.slice(modules + 'node_modules/'.length);
  const dist = text.lastIndexOf('/dist/');
  if (dist !== -1) return text.slice(dist + '/dist/'.length);
  return text.startsWith('node:') ? text : path.basename(text);
}
