import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { CLIENT_HELLO_LIMIT, parseClientHello, readClientHello } from '../../src/proxy/client-hello.js';
import { ProtocolDetectionError } from '../../src/proxy/protocol-detect.js';

const NEVER = 3_600_000;

interface Accepted {
  readonly socket: net.Socket;
  readonly client: net.Socket;
  readonly close: () => void;
}

/** Connects with `connect` to a plain TCP server on loopback and returns the server's side. */
async function accept(connect: (port: number) => net.Socket): Promise<Accepted> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as net.AddressInfo).port);
  client.on('error', () => undefined);
  const [socket] = (await once(server, 'connection')) as [net.Socket];
  server.close();
  return { socket, client, close: () => (client.destroy(), socket.destroy()) };
}

/** The first TLS record Node's own client sends, captured from the wire. */
async function captureClientHello(options: tls.ConnectionOptions): Promise<Buffer> {
  const { socket, close } = await accept((port) => tls.connect({ ...options, port, host: '127.0.0.1' }));
  try {
    let bytes = Buffer.alloc(0);
    while (bytes.length < 5 || bytes.length < 5 + bytes.readUInt16BE(3)) {
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      bytes = Buffer.concat([bytes, chunk]);
    }
    return bytes.subarray(0, 5 + bytes.readUInt16BE(3));
  } finally {
    close();
  }
}

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const vec16 = (body: Buffer) => Buffer.concat([u16(body.length), body]);

/** A minimal well-formed ClientHello record carrying `extensions` (raw bytes) when given. */
function clientHello(extensions?: Buffer): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    Buffer.alloc(32, 7),
    Buffer.from([0]), // no session id
    vec16(Buffer.from([0x13, 0x01])),
    Buffer.from([1, 0]), // compression: null
    ...(extensions === undefined ? [] : [vec16(extensions)]),
  ]);
  const handshake = Buffer.concat([Buffer.from([0x01, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(handshake.length), handshake]);
}

function serverNameExtension(name: string, nameType = 0): Buffer {
  const entry = Buffer.concat([Buffer.from([nameType]), vec16(Buffer.from(name, 'latin1'))]);
  return Buffer.concat([u16(0), vec16(vec16(entry))]);
}

describe('ClientHello parsing', () => {
  let real: Buffer;
  let realWithoutSni: Buffer;
  before(async () => {
    real = await captureClientHello({ servername: 'foo.bar' });
    // Node sends no server name when connecting to an IP address without `servername`.
    realWithoutSni = await captureClientHello({});
  });

  it("reads the server name from Node's own ClientHello", () => {
    assert.deepEqual(parseClientHello(real), { complete: true, sni: 'foo.bar' });
  });

  it('reads a ClientHello without a server name as complete, with no name and no problem', () => {
    assert.deepEqual(parseClientHello(realWithoutSni), { complete: true });
  });

  it('asks for more bytes at every cut short of the whole record', () => {
    for (let cut = 0; cut < real.length; cut++) assert.deepEqual(parseClientHello(real.subarray(0, cut)), { complete: false }, `cut at ${cut}`);
  });

  it('ignores bytes after the first record', () => {
    assert.deepEqual(parseClientHello(Buffer.concat([real, Buffer.from('trailing application bytes')])), { complete: true, sni: 'foo.bar' });
  });

  it('reads back any DNS name it is given', () => {
    fc.assert(
      fc.property(fc.domain(), (name) => {
        const hello = Buffer.concat([clientHello(Buffer.concat([u16(0x2b), vec16(Buffer.from([2, 3, 4])), serverNameExtension(name)]))]);
        assert.deepEqual(parseClientHello(hello), { complete: true, sni: name });
      }),
    );
  });

  const malformed: readonly (readonly [string, Buffer, RegExp])[] = [
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\n'), /not a TLS handshake record/],
    ['an SSLv2-style version', Buffer.from([0x16, 0x02, 0x00, 0x00, 0x10]), /version major 2/],
    ['an empty record', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00]), /record length 0/],
    ['a record longer than TLS allows', Buffer.from([0x16, 0x03, 0x01, 0x40, 0x01]), /record length 16385/],
    ['a ServerHello', Buffer.from([0x16, 0x03, 0x03, 0x00, 0x04, 0x02]), /type 2, not ClientHello/],
    ['a ClientHello longer than its record', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00, 0x10, 0x00]), /continues past its first record/],
    ['no cipher suites', Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x2b, 0x01, 0x00, 0x00, 0x27, 3, 3]), Buffer.alloc(32), Buffer.from([0, 0, 0, 1, 0])]), /cipher suite list is 0 bytes/],
    ['a server name with a space', clientHello(serverNameExtension('foo bar')), /"foo bar" is not a DNS host name/],
    ['an empty server name list', clientHello(Buffer.concat([u16(0), vec16(vec16(Buffer.alloc(0)))])), /server name list is empty/],
    ['two server_name extensions', clientHello(Buffer.concat([serverNameExtension('a.b'), serverNameExtension('c.d')])), /two server_name extensions/],
    ['an extension longer than the list', clientHello(Buffer.concat([u16(0), u16(50), Buffer.from([1, 2])])), /ends inside its extension data/],
  ];
  for (const [name, bytes, problem] of malformed) {
    it(`names what is wrong with ${name}`, () => {
      const result = parseClientHello(bytes);
      assert.equal(result.complete, true);
      assert.equal(result.sni, undefined);
      assert.match(result.problem ?? '', problem);
    });
  }

  it('skips a server name of an unknown type', () => {
    assert.deepEqual(parseClientHello(clientHello(serverNameExtension('x.y', 7))), { complete: true });
  });

  it('never throws on random bytes, and only asks for more when nothing is wrong yet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, asTls) => {
        const head = Buffer.from(bytes);
        if (asTls && head.length >= 2) head.set([0x16, 0x03]);
        const result = parseClientHello(head);
        assert.equal(typeof result.complete, 'boolean');
        if (!result.complete) assert.equal(result.problem, undefined);
        if (result.sni !== undefined) assert.equal(result.problem, undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on a real ClientHello with bytes changed, and any name it reads is a DNS name', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), (edits, cut) => {
        const head = Buffer.from(real);
        for (const [at, value] of edits) head[at % head.length] = value;
        const result = parseClientHello(head.subarray(0, real.length - (cut % 3 === 0 ? cut % real.length : 0)));
        if (result.sni !== undefined) assert.match(result.sni, /^[A-Za-z0-9_.-]+$/);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('reading a ClientHello from a connection', () => {
  let accepted: Accepted | undefined;
  afterEach(() => accepted?.close());

  it('reads the server name of a real TLS client and puts every byte back', async () => {
    accepted = await accept((port) => tls.connect({ port, host: '127.0.0.1', servername: 'foo.bar' }));
    const hello = await readClientHello(accepted.socket, NEVER);
    assert.equal(hello.sni, 'foo.bar');
    assert.equal(hello.complete, true);
    assert.ok(hello.head.length >= 5 + hello.head.readUInt16BE(3));
    const [again] = (await once(accepted.socket, 'data')) as [Buffer];
    assert.ok(again.subarray(0, hello.head.length).equals(hello.head));
  });

  it('answers at once for bytes that are not TLS, and puts them back', async () => {
    accepted = await accept((port) => net.connect(port, '127.0.0.1'));
    accepted.client.write('GET / HTTP/1.1\r\n');
    const hello = await readClientHello(accepted.socket, NEVER);
    assert.equal(hello.complete, true);
    assert.match(hello.problem ?? '', /not a TLS handshake record/);
    const [again] = (await once(accepted.socket, 'data')) as [Buffer];
    assert.equal(again.toString(), 'GET / HTTP/1.1\r\n');
  });

  it('waits for a ClientHello split across writes', async () => {
    const whole = clientHello(serverNameExtension('split.example'));
    accepted = await accept((port) => net.connect(port, '127.0.0.1'));
    accepted.client.setNoDelay(true);
    const reading = readClientHello(accepted.socket, NEVER);
    for (let at = 0; at < whole.length; at += 9) {
      accepted.client.write(whole.subarray(at, at + 9));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const hello = await reading;
    assert.deepEqual({ sni: hello.sni, complete: hello.complete, head: hello.head.length }, { sni: 'split.example', complete: true, head: whole.length });
  });

  it('gives back an incomplete answer when the record does not arrive in time', async () => {
    accepted = await accept((port) => net.connect(port, '127.0.0.1'));
    accepted.client.write(clientHello(serverNameExtension('late.example')).subarray(0, 20));
    const hello = await readClientHello(accepted.socket, 40);
    assert.deepEqual({ complete: hello.complete, timedOut: hello.timedOut, head: hello.head.length }, { complete: false, timedOut: true, head: 20 });
  });

  it('never needs more than one full record', () => {
    assert.equal(CLIENT_HELLO_LIMIT, 16384 + 5);
    const padded = (size: number) => clientHello(Buffer.concat([u16(0xffff), vec16(Buffer.alloc(size)), serverNameExtension('a.b')]));
    const biggest = padded(CLIENT_HELLO_LIMIT - padded(0).length);
    assert.equal(biggest.length, CLIENT_HELLO_LIMIT);
    assert.deepEqual(parseClientHello(biggest), { complete: true, sni: 'a.b' });
  });

  it('rejects with ProtocolDetectionError when the client resets mid-record', async () => {
    accepted = await accept((port) => net.connect(port, '127.0.0.1'));
    accepted.client.write(Buffer.from([0x16, 0x03, 0x01, 0x01, 0x00, 0x01]));
    const reading = readClientHello(accepted.socket, NEVER);
    await new Promise((resolve) => setTimeout(resolve, 20));
    accepted.client.resetAndDestroy();
    await assert.rejects(reading, ProtocolDetectionError);
  });
});
