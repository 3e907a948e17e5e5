/**
 * Splits text into top-level JSON values: one per line (JSON Lines) or concatenated and
 * pretty-printed across lines (what `kubectl get --watch -o json` prints). Each value comes with
 * the line it starts on, so an error can name it. Strings and escapes are respected.
 */
export interface JsonValueText {
  readonly text: string;
  readonly line: number;
}

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

export async function* jsonValues(chunks: AsyncIterable<string>): AsyncGenerator<JsonValueText> {
  let buffer = '';
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let startLine = 1;
  for await (const chunk of chunks) {
    const offset = buffer.length;
    buffer += chunk;
    for (let i = offset; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (c === 34) {
        if (depth === 0) throw new JsonSyntaxError('unexpected string outside an object', line);
        inString = true;
      } else if (c === 123 || c === 91) {
        if (depth === 0) { start = i; startLine = line; }
        depth++;
      } else if (c === 125 || c === 93) {
        depth--;
        if (depth < 0) throw new JsonSyntaxError(`unexpected '${String.fromCharCode(c)}'`, line);
        if (depth === 0) yield { text: buffer.slice(start, i + 1), line: startLine };
      } else if (depth === 0 && c !== 32 && c !== 9 && c !== 13 && c !== 10) {
        throw new JsonSyntaxError(`unexpected '${String.fromCharCode(c)}' outside an object`, line);
      }
    }
    if (depth === 0) buffer = '';
    else if (start > 0) {
      buffer = buffer.slice(start);
      start = 0;
    }
  }
  if (depth !== 0) throw new JsonSyntaxError('the file ends inside an object', startLine);
}
