/**
 * Splits a byte stream into lines (watch responses are one JSON object per line).
 *
 * Handles lines split across chunks and multi-byte characters split across chunks; a line longer
 * than `maxLineBytes` is reported as an error rather than buffered without bound.
 */
import { StringDecoder } from 'node:string_decoder';

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`watch line longer than ${limit} bytes`);
    this.name = 'LineTooLongError';
  }
}

/** The complete lines of each chunk, as one array per chunk (one async step per chunk, not per line). */
export async function* lineBatches(stream: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<readonly string[]> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const batch: string[] = [];
    let start = 0;
    let newline = pending.indexOf('\n', start);
    while (newline !== -1) {
      const line = pending.slice(start, newline);
      if (line.trim() !== '') batch.push(line);
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
    if (pending.length > maxLineBytes) throw new LineTooLongError(maxLineBytes);
    if (batch.length > 0) yield batch;
  }
  pending += decoder.end();
  if (pending.trim() !== '') yield [pending];
}
