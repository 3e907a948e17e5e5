/** Splitting text into top-level JSON values: JSON Lines, kubectl's pretty-printed stream, any chunking. */
import assert from 'node:assert/strict';
import { jsonValues, JsonSyntaxError, type JsonValueText } from '../../src/informers/json-values.js';

async function* fromChunks(chunks: readonly string[]): AsyncGenerator<string> {
  for (const chunk of chunks) yield chunk;
}

async function collect(chunks: readonly string[]): Promise<JsonValueText[]> {
  const out: JsonValueText[] = [];
  for await (const value of jsonValues(fromChunks(chunks))) out.push(value);
  return out;
}

/** What the splitter yielded, parsed, with the line each value starts on. */
async function parsed(chunks: readonly string[]): Promise<{ value: unknown; line: number }[]> {
  return (await collect(chunks)).map(({ text, line }) => ({ value: JSON.parse(text) as unknown, line }));
}

/** Runs the splitter expecting it to refuse the input; returns the error. */
async function refusal(chunks: readonly string[]): Promise<JsonSyntaxError> {
  try {
    await collect(chunks);
  } catch (error) {
    assert.ok(error instanceof JsonSyntaxError, `expected a JsonSyntaxError, got ${String(error)}`);
    return error;
  }
  assert.fail('the input was accepted');
}

/** Every way of cutting `text` into two chunks, and into three. */
function splits(text: string): string[][] {
  const out: string[][] = [[text]];
  for (let i = 0; i <= text.length; i++) {
    out.push([text.slice(0, i), text.slice(i)]);
    for (let j = i; j <= text.length; j += 3) out.push([text.slice(0, i), text.slice(i, j), text.slice(j)]);
  }
  return out;
}

const kubectlStyle = [
  '{',
  '    "type": "ADDED",',
  '    "object": {',
  '        "kind": "Pod",',
  '        "note": "a } and a { and a \\" quote"',
  '    }',
  '}',
  '{',
  '    "type": "DELETED",',
  '    "object": {"kind": "Pod", "path": "C:\\\\dir\\\\"}',
  '}',
  '',
].join('\n');

describe('jsonValues', () => {
  it('yields one value per line of JSON Lines, each with its line number', async () => {
    const text = '{"a":1}\n{"b":[1,2,{"c":3}]}\n\n{"d":"x"}\n';
    assert.deepEqual(await parsed([text]), [
      { value: { a: 1 }, line: 1 },
      { value: { b: [1, 2, { c: 3 }] }, line: 2 },
      { value: { d: 'x' }, line: 4 },
    ]);
  });

  it('yields concatenated pretty-printed objects (kubectl style) with the line each one starts on', async () => {
    assert.deepEqual(await parsed([kubectlStyle]), [
      { value: { type: 'ADDED', object: { kind: 'Pod', note: 'a } and a { and a " quote' } }, line: 1 },
      { value: { type: 'DELETED', object: { kind: 'Pod', path: 'C:\\dir\\' } }, line: 8 },
    ]);
  });

  it('gives the same values and lines however the text is cut into chunks', async () => {
    const expected = await parsed([kubectlStyle]);
    for (const chunks of splits(kubectlStyle)) {
      assert.deepEqual(await parsed(chunks), expected, `chunks ${JSON.stringify(chunks)}`);
    }
  });

  it('gives the same values and lines when every character arrives in its own chunk', async () => {
    const text = '{"a":"}"}\n  {"b":"\\\\"}{"c":"\\"{"}\n{\n"d":\n[]\n}\n';
    const expected = [
      { value: { a: '}' }, line: 1 },
      { value: { b: '\\' }, line: 2 },
      { value: { c: '"{' }, line: 2 },
      { value: { d: [] }, line: 3 },
    ];
    assert.deepEqual(await parsed([text]), expected);
    assert.deepEqual(await parsed([...text]), expected);
  });

  it('does not end a value at a closing brace inside a string, even after an escaped quote or backslash', async () => {
    const text = '{"a":"\\"}","b":"\\\\","c":"{{{"}\n{"d":1}';
    for (const chunks of splits(text)) {
      assert.deepEqual(await parsed(chunks), [
        { value: { a: '"}', b: '\\', c: '{{{' }, line: 1 },
        { value: { d: 1 }, line: 2 },
      ], `chunks ${JSON.stringify(chunks)}`);
    }
  });

  it('accepts Windows line endings and counts lines the same', async () => {
    assert.deepEqual(await parsed(['{"a":1}\r\n\r\n{\r\n"b":2\r\n}\r\n']), [
      { value: { a: 1 }, line: 1 },
      { value: { b: 2 }, line: 3 },
    ]);
  });

  it('yields nothing for empty or blank input', async () => {
    assert.deepEqual(await collect([]), []);
    assert.deepEqual(await collect(['', '  \n\t\n', '\r\n']), []);
  });

  it('refuses garbage text between values and names the line it is on', async () => {
    const error = await refusal(['{"a":1}\n{"b":2}\n\nthis is not json\n{"c":3}\n']);
    assert.equal(error.line, 4);
    assert.match(error.message, /'t'/);
  });

  it('names the garbage line however the text is cut into chunks', async () => {
    const text = '{\n"a":1\n}\n  oops\n';
    for (const chunks of splits(text)) {
      assert.equal((await refusal(chunks)).line, 4, `chunks ${JSON.stringify(chunks)}`);
    }
  });

  it('refuses a stray closing brace at the top level with its line', async () => {
    const error = await refusal(['{"a":1}\n}\n']);
    assert.equal(error.line, 2);
  });

  it('refuses a file that ends inside an object, naming the line the object starts on', async () => {
    const error = await refusal(['{"a":1}\n{"b":2}\n{\n  "c": {\n    "d": 3\n']);
    assert.equal(error.line, 3);
    assert.match(error.message, /ends inside an object/);
  });

  it('refuses a file that ends inside a string inside an object', async () => {
    const error = await refusal(['{"a":1}\n{"b":"} never closed\n']);
    assert.equal(error.line, 2);
  });

  it('yields values before the point of an error, so a reader can act on what came first', async () => {
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const value of jsonValues(fromChunks(['{"a":1}\n', 'junk\n']))) seen.push(value.text);
    }, JsonSyntaxError);
    assert.deepEqual(seen, ['{"a":1}']);
  });

  it('never drops a top-level string silently: it is yielded or refused with its line', async () => {
    const text = '{"a":1}\n"a bare string"\n{"b":2}\n';
    let values: JsonValueText[] | undefined;
    let error: unknown;
    try {
      values = await collect([text]);
    } catch (caught) {
      error = caught;
    }
    if (values !== undefined) {
      assert.deepEqual(values.map(({ text: value, line }) => ({ value: JSON.parse(value) as unknown, line })), [
        { value: { a: 1 }, line: 1 },
        { value: 'a bare string', line: 2 },
        { value: { b: 2 }, line: 3 },
      ]);
    } else {
      assert.ok(error instanceof JsonSyntaxError, `expected a JsonSyntaxError, got ${String(error)}`);
      assert.equal(error.line, 2);
    }
  });
});
