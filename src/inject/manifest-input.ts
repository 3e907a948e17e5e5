/**
 * Where manifests come from for `sinew inject` and `uninject`: files, directories (walked
 * recursively for *.yaml, *.yml and *.json, in name order), `-` for standard input, and http(s)
 * URLs (fetched with a timeout and a size limit). Each input yields its text or an error naming
 * the input and the cause; one input failing never stops the others.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface ManifestSource {
  /** How reports name it: a path, `-` or the URL. */
  readonly name: string;
  readonly text?: string;
  readonly error?: string;
}

export interface InputReaders {
  /** All of standard input as text. */
  readonly readStdin: () => Promise<string>;
  readonly fetchTimeoutMs: number;
  /** Largest response body accepted from a URL. */
  readonly maxUrlBytes: number;
}

const manifestExtension = /\.(ya?ml|json)$/i;

/** The manifest files below a directory, and an error source for each entry that cannot be read (a dangling link, say). */
async function walk(dir: string, seen: Set<string>): Promise<readonly (string | ManifestSource)[]> {
  let real: string;
  let entries: string[];
  try {
    real = await fs.realpath(dir);
    entries = (await fs.readdir(dir)).sort();
  } catch (error) {
    return [{ name: dir, error: `cannot read the directory: ${(error as Error).message}` }];
  }
  if (seen.has(real)) return [];
  seen.add(real);
  const files: (string | ManifestSource)[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry);
    let stat;
    try {
      stat = await fs.stat(full);
    } catch (error) {
      if (manifestExtension.test(entry)) files.push({ name: full, error: `cannot read: ${(error as Error).message}` });
      continue;
    }
    if (stat.isDirectory()) files.push(...await walk(full, seen));
    else if (stat.isFile() && manifestExtension.test(entry)) files.push(full);
  }
  return files;
}

async function fetchText(url: string, readers: InputReaders): Promise<ManifestSource> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(readers.fetchTimeoutMs), redirect: 'follow' });
  } catch (error) {
    const cause = (error as Error).name === 'TimeoutError'
      ? `no answer within ${readers.fetchTimeoutMs / 1000} s`
      : ((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message);
    return { name: url, error: `cannot fetch: ${cause}` };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { name: url, error: `HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}` };
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > readers.maxUrlBytes) {
    await response.body?.cancel();
    return { name: url, error: `the response is larger than ${readers.maxUrlBytes} bytes` };
  }
  try {
    // Read as it streams and stop at the limit: a server may send far more than it declared.
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body?.getReader();
    for (;;) {
      const next = await reader?.read();
      if (next === undefined || next.done) break;
      size += next.value.byteLength;
      if (size > readers.maxUrlBytes) {
        await reader?.cancel();
        return { name: url, error: `the response is larger than ${readers.maxUrlBytes} bytes` };
      }
      chunks.push(next.value);
    }
    return { name: url, text: Buffer.concat(chunks).toString('utf8') };
  } catch (error) {
    return { name: url, error: `reading the response: ${(error as Error).message}` };
  }
}

function isUrl(input: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(input);
}

async function readLocal(input: string): Promise<readonly ManifestSource[]> {
  let stat;
  try {
    stat = await fs.stat(input);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return [{ name: input, error: code === 'ENOENT' ? 'no such file or directory' : (error as Error).message }];
  }
  if (!stat.isDirectory()) return [await readFile(input)];
  const files = await walk(input, new Set());
  if (files.length === 0) return [{ name: input, error: 'the directory holds no *.yaml, *.yml or *.json file' }];
  return Promise.all(files.map((file) => (typeof file === 'string' ? readFile(file) : file)));
}

async function readFile(file: string): Promise<ManifestSource> {
  try {
    return { name: file, text: await fs.readFile(file, 'utf8') };
  } catch (error) {
    return { name: file, error: (error as Error).message };
  }
}

/** Reads every input, in order; directories expand to their manifest files. */
export async function readManifests(inputs: readonly string[], readers: InputReaders): Promise<readonly ManifestSource[]> {
  const sources: ManifestSource[] = [];
  for (const input of inputs) {
    if (input === '-') {
      sources.push({ name: '-', text: await readers.readStdin() });
    } else if (isUrl(input)) {
      const scheme = input.slice(0, input.indexOf(':')).toLowerCase();
      if (scheme !== 'http' && scheme !== 'https') sources.push({ name: input, error: `unsupported URL scheme ${JSON.stringify(scheme)} (use https://)` });
      else if (!URL.canParse(input)) sources.push({ name: input, error: 'not a valid URL' });
      else sources.push(await fetchText(input, readers));
    } else {
      sources.push(...await readLocal(input));
    }
  }
  return sources;
}

/** Standard input of this process, read to the end. */
export async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
