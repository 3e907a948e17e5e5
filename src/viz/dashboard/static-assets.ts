/**
 * The dashboard's page, styles and scripts: plain files in `src/viz/dashboard/assets/`, read once
 * at start-up and served from memory.
 *
 * Where they are found: next to this module (`assets/`, when a build copies them) or in the source
 * tree this module was compiled from (`dist/src/viz/dashboard/` → `src/viz/dashboard/assets/`, the
 * layout of a checkout and of the image, which copies that folder). A dashboard without its assets
 * refuses to start, naming the folders it looked in; it never serves a half-empty page.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  /** A strong validator of the body, quoted as an ETag header carries it. */
  readonly etag: string;
}

export interface StaticAssets {
  /** The folder the assets were read from. */
  readonly dir: string;
  /** The page every dashboard route answers with. */
  readonly index: Asset;
  /** The asset at `/assets/NAME`, or undefined: only the files that were there at start-up. */
  get(name: string): Asset | undefined;
}

export class MissingAssetsError extends Error {
  constructor(searched: readonly string[]) {
    super(`the dashboard's assets (index.html, dashboard.js, …) are in none of: ${searched.join(', ')}`);
    this.name = 'MissingAssetsError';
  }
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const moduleDir = path.dirname(fileURLToPath(import.meta.url));

/** The folders searched, in order, when no folder is given. */
export function assetDirCandidates(): string[] {
  const sourceTree = path.resolve(moduleDir, '../../../../src/viz/dashboard/assets');
  return [path.join(moduleDir, 'assets'), sourceTree];
}

/** Reads the assets from `dir`, or from the first candidate folder that has an index.html. */
export function loadStaticAssets(dir?: string): StaticAssets {
  const searched = dir === undefined ? assetDirCandidates() : [dir];
  const found = searched.find((candidate) => fs.existsSync(path.join(candidate, 'index.html')));
  if (found === undefined) throw new MissingAssetsError(searched);
  const assets = new Map<string, Asset>();
  for (const entry of fs.readdirSync(found, { withFileTypes: true })) {
    const contentType = contentTypes[path.extname(entry.name)];
    if (!entry.isFile() || contentType === undefined) continue;
    const body = fs.readFileSync(path.join(found, entry.name));
    assets.set(entry.name, { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  const index = assets.get('index.html') as Asset;
  assets.delete('index.html');
  return { dir: found, index, get: (name) => assets.get(name) };
}
