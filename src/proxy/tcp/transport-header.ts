/**
 * Linkerd's opaque transport header: what a client proxy sends first, inside mutual TLS negotiated
 * with ALPN `transport.l5d.io/v1`, when it connects straight to a meshed pod's inbound proxy port
 * (the Destination `opaque_transport` hint) instead of the application's port. The bytes are the
 * preface `transport.l5d.io/v1\r\n\r\n`, a 4-byte big-endian length, and a protobuf
 * `transport.l5d.io.Header {int32 port = 1; string name = 2; SessionProtocol session_protocol = 3}`.
 *
 * Contract: `encodeTransportHeader` and `readTransportHeader` agree with each other and with that
 * layout. The reader takes exactly the header's bytes off the stream (anything after it is the
 * connection's payload, put back), refuses a header over 64 KiB or a port outside 1-65535, and
 * skips unknown protobuf fields.
 */
import type { Duplex } from 'node:stream';

export const transportAlpn = 'transport.l5d.io/v1';
const preface = Buffer.from('transport.l5d.io/v1\r\n\r\n', 'latin1');
const maxHeader = 64 * 1024;

export interface TransportHeader {
  readonly port: number;
  readonly name: string;
}

export class TransportHeaderError extends Error {
  override readonly name = 'TransportHeaderError';
}

export function encodeTransportHeader(header: TransportHeader): Buffer {
  const name = Buffer.from(header.name, 'utf8');
  const body = Buffer.concat([
    Buffer.from([0x08]), varint(header.port),
    ...(name.length > 0 ? [Buffer.from([0x12]), varint(name.length), name] : []),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([preface, length, body]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value >>> 0;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** Reads the header off `stream` within `timeoutMs`; rejects with TransportHeaderError otherwise. */
export function readTransportHeader(stream: Duplex, timeoutMs: number): Promise<TransportHeader> {
  return new Promise<TransportHeader>((resolve, reject) => {
    let head = Buffer.alloc(0);
    const finish = (result: TransportHeader | TransportHeaderError, rest: Buffer): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
      if (rest.length > 0) stream.unshift(rest);
      if (result instanceof TransportHeaderError) reject(result);
      else resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const parsed = parseHead(head);
      if (parsed !== undefined) finish(parsed.header, parsed.rest);
    };
    const onEnd = (): void => finish(new TransportHeaderError('the connection ended before its transport header'), Buffer.alloc(0));
    const timer = setTimeout(() => finish(new TransportHeaderError(`no transport header within ${timeoutMs} ms`), head), timeoutMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}

function parseHead(head: Buffer): { header: TransportHeader | TransportHeaderError; rest: Buffer } | undefined {
  const known = Math.min(head.length, preface.length);
  if (!head.subarray(0, known).equals(preface.subarray(0, known))) return { header: new TransportHeaderError('the transport header preface is wrong'), rest: Buffer.alloc(0) };
  if (head.length < preface.length + 4) return undefined;
  const length = head.readUInt32BE(preface.length);
  if (length > maxHeader) return { header: new TransportHeaderError(`transport header of ${length} bytes is over 64 KiB`), rest: Buffer.alloc(0) };
  const start = preface.length + 4;
  if (head.length < start + length) return undefined;
  return { header: decodeBody(head.subarray(start, start + length)), rest: head.subarray(start + length) };
}

function decodeBody(body: Buffer): TransportHeader | TransportHeaderError {
  let port = 0;
  let name = '';
  let at = 0;
  const readVarint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const byte = body[at];
      if (byte === undefined) return undefined;
      at += 1;
      if (shift < 32) value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (at < body.length) {
    const key = readVarint();
    if (key === undefined) return new TransportHeaderError('transport header is truncated');
    const wire = key & 7;
    const field = Math.floor(key / 8);
    if (wire === 0) {
      const value = readVarint();
      if (value === undefined) return new TransportHeaderError('transport header is truncated');
      if (field === 1) port = value;
    } else if (wire === 2) {
      const length = readVarint();
      if (length === undefined || at + length > body.length) return new TransportHeaderError('transport header is truncated');
      if (field === 2) name = body.subarray(at, at + length).toString('utf8');
      at += length;
    } else if (wire === 5) at += 4;
    else if (wire === 1) at += 8;
    else return new TransportHeaderError(`transport header has a field of wire type ${wire}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) return new TransportHeaderError(`transport header port ${port} is not in 1-65535`);
  return { port, name };
}
