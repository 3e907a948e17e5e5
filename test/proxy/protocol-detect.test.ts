import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { readClientHello } from '../../src/proxy/client-hello.js';
import { classifyHead, detectProtocol, H2_PREFACE, HTTP1_LINE_LIMIT, ProtocolDetectionError } from '../../src/proxy/protocol-detect.js';

/** Long enough that a test relying on it would hit mocha's timeout first. */
const NEVER = 3_600_000;

interface Pair {
  readonly accepted: net.Socket;
  readonly client: net.Socket;
  readonly close: () => void;
}

/** A client socket connected over loopback (by `connect`, plain TCP unless told), and the server's side of it. */
async function connectedPair(connect: (port: number) => net.Socket = (port) => net.connect(port, '127.0.0.1')): Promise<Pair> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const client = connect(port);
  client.on('error', () => undefined);
  const [accepted] = (await once(server, 'connection')) as [net.Socket];
  server.close();
  return { accepted, client, close: () => (client.destroy(), accepted.destroy()) };
}

function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return once(socket, 'end').then(() => Buffer.concat(chunks));
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');

describe('protocol detection: classifying the first bytes', () => {
  const cases: readonly (readonly [string, string | Buffer, string | undefined])[] = [
    ['nothing yet', '', undefined],
    ['the whole HTTP/2 preface', H2_PREFACE, 'h2'],
    ['part of the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM', undefined],
    ['a request line like the preface that is not it', 'PRI * HTTP/1.1\r\n', 'http1'],
    ['a GET request line', 'GET /index.html HTTP/1.1\r\n', 'http1'],
    ['an HTTP/1.0 request line', 'HEAD / HTTP/1.0\r\nHost: x\r\n\r\n', 'http1'],
    ['an extension method', "M-SEARCH! * HTTP/1.1\r\n", 'http1'],
    ['a CONNECT request line', 'CONNECT example.com:443 HTTP/1.1\r\n', 'http1'],
    ['a request line without its CRLF', 'GET / HTTP/1.1', undefined],
    ['a request line ended by a bare LF', 'GET / HTTP/1.1\n', 'opaque'],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\n', 'opaque'],
    ['HTTP/2.0 in a request line', 'GET / HTTP/2.0\r\n', 'opaque'],
    ['two spaces after the method', 'GET  / HTTP/1.1\r\n', 'opaque'],
    ['an empty method', ' / HTTP/1.1\r\n', 'opaque'],
    ['a non-ASCII target', 'GET /caf\u00e9 HTTP/1.1\r\n', 'opaque'],
    ['a leading CRLF', '\r\nGET / HTTP/1.1\r\n', 'opaque'],
    ['a TLS handshake record header', Buffer.from([0x16, 0x03]), 'tls'],
    ['the first byte of a TLS record', Buffer.from([0x16]), undefined],
    ['0x16 then not 0x03', Buffer.from([0x16, 0x02]), 'opaque'],
    ['a binary protocol', Buffer.from([0x00, 0x01, 0x02]), 'opaque'],
    ['a server-speaks-first reply', '220 smtp ready\r\n', 'opaque'],
    ['a method still being sent', 'OPTIO', undefined],
  ];
  for (const [name, bytes, expected] of cases) {
    it(`classifies ${name} as ${expected ?? 'undecided'}`, () => {
      assert.equal(classifyHead(typeof bytes === 'string' ? latin1(bytes) : bytes), expected);
    });
  }

  it('gives up on a request line that has not ended within 8 KiB', () => {
    const long = latin1(`GET /${'a'.repeat(HTTP1_LINE_LIMIT)}`);
    assert.equal(classifyHead(long.subarray(0, HTTP1_LINE_LIMIT - 1)), undefined);
    assert.equal(classifyHead(long.subarray(0, HTTP1_LINE_LIMIT)), 'opaque');
    const fits = latin1(`GET /${'a'.repeat(HTTP1_LINE_LIMIT - 16)} HTTP/1.1\r\n`);
    assert.equal(fits.length, HTTP1_LINE_LIMIT);
    assert.equal(classifyHead(fits), 'http1');
  });

  it('never changes a verdict when more bytes arrive', () => {
    const interesting = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
      fc.constantFrom('GET / HTTP/1.1\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', '\x16\x03\x01', 'POST /x HTTP/1.0\r\n').map(latin1),
    );
    fc.assert(
      fc.property(interesting, fc.uint8Array({ maxLength: 40 }), fc.nat(60), (start, more, cut) => {
        const whole = Buffer.concat([start, more]);
        const prefix = whole.subarray(0, Math.min(cut, whole.length));
        const early = classifyHead(prefix);
        if (early !== undefined) assert.equal(classifyHead(whole), early);
      }),
      { numRuns: 2000 },
    );
  });

  it('waits only while the bytes could still become HTTP/2, HTTP/1 or TLS', () => {
    // An independent description of "could still match": regular expressions over latin1 text.
    const tchar = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
    const stillHttp1 = new RegExp(`^(?:${tchar}*|${tchar}+ [\\x21-\\x7e]*|${tchar}+ [\\x21-\\x7e]+ (?:|H|HT|HTT|HTTP|HTTP/|HTTP/1|HTTP/1\\.|HTTP/1\\.[01]|HTTP/1\\.[01]\\r))$`);
    const preface = H2_PREFACE.toString('latin1');
    const couldMatch = (text: string) =>
      text === '\x16' || preface.startsWith(text) || (text.length < HTTP1_LINE_LIMIT && stillHttp1.test(text));
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)),
      fc.stringMatching(/^[A-Z]{1,7}( [\x21-\x7e]{0,8}( H(T(T(P(\/(1(\.[0-2](\r\n?)?)?)?)?)?)?)?)?)?$/).map(latin1),
    );
    fc.assert(
      fc.property(bytes, (head) => {
        assert.equal(classifyHead(head) === undefined, couldMatch(head.toString('latin1')), JSON.stringify(head.toString('latin1')));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('protocol detection on a connection', () => {
  let pair: Pair | undefined;
  afterEach(() => pair?.close());

  it('detects HTTP/1 and hands the connection to an http.Server with no byte lost', async () => {
    pair = await connectedPair();
    const body = 'x'.repeat(200_000);
    const request = `POST /submit HTTP/1.1\r\nHost: test\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    pair.client.write(request);
    const detected = await detectProtocol(pair.accepted, NEVER);
    assert.equal(detected.kind, 'http1');
    assert.equal(detected.timedOut, false);
    assert.ok(detected.head.toString('latin1').startsWith('POST /submit HTTP/1.1\r\n'));
    const server = http.createServer((req, res) => {
      let received = 0;
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => res.end(`${req.method} ${req.url} ${received}`));
    });
    server.emit('connection', pair.accepted);
    const reply = (await readAll(pair.client)).toString('latin1');
    assert.match(reply, /^HTTP\/1\.1 200 OK/);
    assert.ok(reply.endsWith(`POST /submit ${body.length}`), reply.slice(-60));
  });

  it('detects a request line sent one byte at a time, deciding when the line ends', async () => {
    pair = await connectedPair();
    pair.client.setNoDelay(true);
    const detecting = detectProtocol(pair.accepted, NEVER);
    const line = 'GET /slow HTTP/1.1\r\n';
    let settled = false;
    void detecting.then(() => (settled = true));
    for (const char of line) {
      assert.equal(settled, false, 'decided before the request line ended');
      pair.client.write(char);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const detected = await detecting;
    assert.equal(detected.kind, 'http1');
    assert.equal(detected.head.toString('latin1'), line);
    pair.client.end('Host: a\r\nConnection: close\r\n\r\n');
    const server = http.createServer((req, res) => res.end(req.url));
    server.emit('connection', pair.accepted);
    assert.match((await readAll(pair.client)).toString('latin1'), /\/slow$/);
  });

  it('detects the HTTP/2 preface and an http2 server then serves the client', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const h2 = http2.createServer((req, res) => res.end(`h2 ${req.url}`));
    const kinds: string[] = [];
    server.on('connection', (socket: net.Socket) => {
      void detectProtocol(socket, NEVER).then((detected) => {
        kinds.push(detected.kind);
        h2.emit('connection', socket);
      });
    });
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const stream = session.request({ ':path': '/two' });
      stream.setEncoding('utf8');
      let text = '';
      stream.on('data', (chunk: string) => (text += chunk));
      await once(stream, 'end');
      assert.equal(text, 'h2 /two');
      assert.deepEqual(kinds, ['h2']);
    } finally {
      session.close();
      server.close();
      h2.close();
    }
  });

  it('detects TLS, and the whole ClientHello can still be read after it', async () => {
    pair = await connectedPair((port) => tls.connect({ port, host: '127.0.0.1', servername: 'web.shop.svc' }));
    const detected = await detectProtocol(pair.accepted, NEVER);
    assert.equal(detected.kind, 'tls');
    const hello = await readClientHello(pair.accepted, NEVER);
    assert.equal(hello.sni, 'web.shop.svc');
    assert.ok(hello.head.subarray(0, detected.head.length).equals(detected.head));
  });

  it('calls a binary protocol opaque at its first byte, and the bytes are read again after', async () => {
    pair = await connectedPair();
    const sent = Buffer.from([0x00, 0xff, 0x10, 0x20]);
    pair.client.end(sent);
    const detected = await detectProtocol(pair.accepted, NEVER);
    assert.equal(detected.kind, 'opaque');
    assert.equal(detected.timedOut, false);
    assert.ok((await readAll(pair.accepted)).equals(sent));
  });

  it('calls a silent client opaque after the timeout, and what it sends later still arrives', async () => {
    pair = await connectedPair();
    const detected = await detectProtocol(pair.accepted, 30);
    assert.deepEqual({ kind: detected.kind, timedOut: detected.timedOut, head: detected.head.length }, { kind: 'opaque', timedOut: true, head: 0 });
    // A server-speaks-first exchange goes on over the same connection.
    pair.accepted.write('220 ready\r\n');
    const [banner] = (await once(pair.client, 'data')) as [Buffer];
    assert.equal(banner.toString(), '220 ready\r\n');
    pair.client.end('HELO me\r\n');
    assert.equal((await readAll(pair.accepted)).toString(), 'HELO me\r\n');
  });

  it('keeps a partial request line that timed out, ahead of the rest', async () => {
    pair = await connectedPair();
    pair.client.write('GET / HT');
    const detected = await detectProtocol(pair.accepted, 50);
    assert.equal(detected.kind, 'opaque');
    assert.equal(detected.timedOut, true);
    assert.equal(detected.head.toString(), 'GET / HT');
    pair.client.end('TP/1.1\r\n');
    assert.equal((await readAll(pair.accepted)).toString(), 'GET / HTTP/1.1\r\n');
  });

  it('calls a request line longer than 8 KiB opaque without waiting for its end', async () => {
    pair = await connectedPair();
    const line = `GET /${'b'.repeat(HTTP1_LINE_LIMIT * 2)}`;
    pair.client.write(line);
    const detected = await detectProtocol(pair.accepted, NEVER);
    assert.equal(detected.kind, 'opaque');
    assert.ok(detected.head.length >= HTTP1_LINE_LIMIT);
    pair.client.end();
    assert.equal((await readAll(pair.accepted)).toString(), line);
  });

  it('calls a client that ends its side early opaque, and its bytes and its end still arrive', async () => {
    pair = await connectedPair();
    pair.client.end('GET');
    const detected = await detectProtocol(pair.accepted, NEVER);
    assert.deepEqual({ kind: detected.kind, ended: detected.ended, head: detected.head.toString() }, { kind: 'opaque', ended: true, head: 'GET' });
    assert.equal((await readAll(pair.accepted)).toString(), 'GET');
  });

  it('calls a client that ends without a byte opaque', async () => {
    pair = await connectedPair();
    pair.client.end();
    const detected = await detectProtocol(pair.accepted, NEVER);
    assert.deepEqual({ kind: detected.kind, ended: detected.ended, head: detected.head.length }, { kind: 'opaque', ended: true, head: 0 });
  });

  it('rejects with ProtocolDetectionError when the client resets the connection', async () => {
    pair = await connectedPair();
    pair.client.write('GET /');
    const detecting = detectProtocol(pair.accepted, NEVER);
    await new Promise((resolve) => setTimeout(resolve, 20));
    pair.client.resetAndDestroy();
    await assert.rejects(detecting, (error: unknown) => error instanceof ProtocolDetectionError && /failed|closed/.test(error.message));
    assert.equal(pair.accepted.listenerCount('error'), 0);
  });

  it('rejects when the socket is destroyed during detection, and when it was already', async () => {
    pair = await connectedPair();
    const detecting = detectProtocol(pair.accepted, NEVER);
    pair.accepted.destroy();
    await assert.rejects(detecting, ProtocolDetectionError);
    await assert.rejects(detectProtocol(pair.accepted, NEVER), /already closed/);
  });

  it('refuses a timeout that is not a non-negative number', async () => {
    pair = await connectedPair();
    await assert.rejects(detectProtocol(pair.accepted, -1), RangeError);
    await assert.rejects(detectProtocol(pair.accepted, Number.NaN), /timeout must be a non-negative number/);
  });
});
