/**
 * The server name (SNI) a TLS client asks for, read from its ClientHello.
 *
 * Contract:
 * - `parseClientHello` never throws, whatever the bytes. `complete` is false only while more bytes
 *   could change the answer (the first record is not all there yet and nothing so far is wrong).
 *   Once `complete` is true the answer is final: either a well-formed ClientHello, with `sni` when
 *   it carries a server_name extension naming a DNS host, or `problem` saying what is wrong.
 * - Only a ClientHello contained in the first TLS record is read (a record carries at most 16 KiB);
 *   one continued in a later record is reported as a problem, not waited for.
 * - `sni` is the host name as the client sent it (no case folding, no trailing dot removed).
 * - `readClientHello` reads at most until the first record is complete (16 KiB + 5 bytes) and puts
 *   every byte back with `socket.unshift`, as `detectProtocol` does, whose rules on timeout, end,
 *   error and close it shares (a closed or failed socket rejects with ProtocolDetectionError).
 */
import type { Readable } from 'node:stream';
import { peek } from './protocol-detect.js';

export interface ClientHello {
  readonly complete: boolean;
  readonly sni?: string;
  /** What makes the bytes something other than a well-formed ClientHello. */
  readonly problem?: string;
}

export interface ReadClientHello extends ClientHello {
  /** The bytes read, already put back on the socket. */
  readonly head: Buffer;
  readonly timedOut: boolean;
  readonly ended: boolean;
}

const RECORD_HEADER = 5;
const MAX_RECORD = 16384;
export const CLIENT_HELLO_LIMIT = RECORD_HEADER + MAX_RECORD;

const CONTENT_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXTENSION_SERVER_NAME = 0x0000;
const NAME_TYPE_HOST = 0x00;
const DNS_NAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

const INCOMPLETE: ClientHello = { complete: false };

class Malformed extends Error {}

export function parseClientHello(head: Buffer): ClientHello {
  try {
    return parseRecord(head);
  } catch (error) {
    if (error instanceof Malformed) return { complete: true, problem: error.message };
    return { complete: true, problem: `unreadable ClientHello: ${String(error)}` };
  }
}

function parseRecord(head: Buffer): ClientHello {
  if (head.length === 0) return INCOMPLETE;
  if (head[0] !== CONTENT_HANDSHAKE) throw new Malformed(`not a TLS handshake record (content type ${head[0]})`);
  if (head.length < 2) return INCOMPLETE;
  if (head[1] !== 0x03) throw new Malformed(`not a TLS record (version major ${head[1]}, not 3)`);
  if (head.length < RECORD_HEADER) return INCOMPLETE;
  const recordLength = head.readUInt16BE(3);
  if (recordLength === 0 || recordLength > MAX_RECORD) {
    throw new Malformed(`the TLS record length ${recordLength} is not between 1 and ${MAX_RECORD}`);
  }
  if (head.length > RECORD_HEADER && head[RECORD_HEADER] !== HANDSHAKE_CLIENT_HELLO) {
    throw new Malformed(`the first handshake message is of type ${head[RECORD_HEADER]}, not ClientHello (1)`);
  }
  if (head.length >= RECORD_HEADER + 4) {
    const helloLength = head.readUIntBE(RECORD_HEADER + 1, 3);
    if (4 + helloLength > recordLength) {
      throw new Malformed(`the ClientHello (${helloLength} bytes) continues past its first record (${recordLength} bytes)`);
    }
    if (head.length >= RECORD_HEADER + recordLength) {
      return { complete: true, ...parseHelloBody(new Reader(head.subarray(RECORD_HEADER + 4, RECORD_HEADER + 4 + helloLength))) };
    }
  }
  return INCOMPLETE;
}

/** Bounds-checked reads over a buffer that is all there; running short is malformed. */
class Reader {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  take(count: number, what: string): Buffer {
    if (count > this.remaining) throw new Malformed(`the ClientHello ends inside its ${what}`);
    const slice = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return slice;
  }

  uint(size: 1 | 2, what: string): number {
    return this.take(size, what).readUIntBE(0, size);
  }

  /** A vector with a `size`-byte length prefix. */
  vector(size: 1 | 2, what: string): Reader {
    return new Reader(this.take(this.uint(size, `${what} length`), what));
  }
}

function parseHelloBody(body: Reader): { sni?: string; problem?: string } {
  body.take(2 + 32, 'version and random');
  const sessionId = body.vector(1, 'session id');
  if (sessionId.remaining > 32) throw new Malformed(`the session id is ${sessionId.remaining} bytes, more than 32`);
  const suites = body.vector(2, 'cipher suites');
  if (suites.remaining < 2 || suites.remaining % 2 !== 0) throw new Malformed(`the cipher suite list is ${suites.remaining} bytes long`);
  if (body.vector(1, 'compression methods').remaining < 1) throw new Malformed('the compression method list is empty');
  if (body.remaining === 0) return {};
  const extensions = body.vector(2, 'extensions');
  let sni: string | undefined;
  let seen = false;
  while (extensions.remaining > 0) {
    const type = extensions.uint(2, 'extension type');
    const data = extensions.vector(2, 'extension data');
    if (type !== EXTENSION_SERVER_NAME) continue;
    if (seen) throw new Malformed('the ClientHello has two server_name extensions');
    seen = true;
    sni = parseServerName(data);
  }
  return sni === undefined ? {} : validName(sni);
}

function parseServerName(data: Reader): string | undefined {
  const list = data.vector(2, 'server name list');
  if (list.remaining === 0) throw new Malformed('the server name list is empty');
  while (list.remaining > 0) {
    const nameType = list.uint(1, 'server name type');
    const name = list.vector(2, 'server name');
    if (nameType === NAME_TYPE_HOST) return name.take(name.remaining, 'server name').toString('latin1');
  }
  return undefined;
}

function validName(name: string): { sni?: string; problem?: string } {
  if (DNS_NAME.test(name)) return { sni: name };
  return { problem: `the server name ${JSON.stringify(name)} is not a DNS host name` };
}

/** Reads the first TLS record from `socket` and puts it back; see the module contract. */
export async function readClientHello(socket: Readable, timeoutMs: number): Promise<ReadClientHello> {
  const peeked = await peek(socket, timeoutMs, (head) => {
    const hello = parseClientHello(head);
    if (hello.complete) return hello;
    return head.length >= CLIENT_HELLO_LIMIT ? { complete: true, problem: `no ClientHello within ${CLIENT_HELLO_LIMIT} bytes` } : undefined;
  });
  const hello = peeked.verdict ?? parseClientHello(peeked.head);
  return { ...hello, head: peeked.head, timedOut: peeked.timedOut, ended: peeked.ended };
}
