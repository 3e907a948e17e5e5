/**
 * Protocol detection: which protocol a client speaks, judged from the first bytes it sends.
 *
 * Contract:
 * - Nothing is lost. The bytes read while detecting are put back with `socket.unshift` before the
 *   promise settles, so the next reader (an `http.Server` or `http2` server given the socket with
 *   `server.emit('connection', socket)`, or a pipe to the upstream) reads them again, first and in
 *   order. `head` holds those same bytes (the same memory), for looking at only: never write it
 *   anywhere nor modify it.
 * - The socket is left neither paused nor flowing: the next 'data' listener (or pipe) starts it.
 * - The verdict is given as soon as the bytes decide it, without waiting for more:
 *   - 'h2': the HTTP/2 prior-knowledge preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`), all 24 bytes;
 *   - 'http1': a complete HTTP/1.0 or HTTP/1.1 request line (`METHOD SP target SP HTTP/1.x CRLF`,
 *     the method made of RFC 9110 token characters, the target of visible ASCII) within the first
 *     8 KiB;
 *   - 'tls': a TLS handshake record header (0x16 0x03);
 *   - 'opaque': anything else, as soon as a byte rules the others out; a request line not ended
 *     within 8 KiB; a client that sends nothing decisive within `timeoutMs` (`timedOut` is then
 *     true); a client that ends its side first (`ended` is then true).
 * - On timeout the connection goes on as opaque TCP, as Linkerd's proxy does (it logs "continuing
 *   after timeout" and forwards the connection as TCP; it waits 10 s by default, set by
 *   LINKERD2_PROXY_INBOUND_DETECT_TIMEOUT and LINKERD2_PROXY_OUTBOUND_DETECT_TIMEOUT).
 * - A socket that errors or closes before a verdict rejects the promise with a
 *   ProtocolDetectionError (the socket's error is its `cause`); a `timeoutMs` that is not a
 *   non-negative finite number rejects it with a RangeError. No listener of ours is left behind, so
 *   the caller must add its own 'error' listener before it awaits anything else.
 */
import type { Readable } from 'node:stream';

export type ProtocolKind = 'h2' | 'http1' | 'tls' | 'opaque';

export interface Detected {
  readonly kind: ProtocolKind;
  /** The bytes read to decide, already put back on the socket. */
  readonly head: Buffer;
  readonly timedOut: boolean;
  /** The client ended its side (FIN) before the bytes decided. */
  readonly ended: boolean;
}

/** Longest HTTP/1 request line (CRLF included) that detection waits for. */
export const HTTP1_LINE_LIMIT = 8192;

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export class ProtocolDetectionError extends Error {
  override readonly name = 'ProtocolDetectionError';
}

/** The verdict on the bytes so far, or undefined while more bytes could change it. */
export function classifyHead(head: Buffer): ProtocolKind | undefined {
  if (head.length === 0) return undefined;
  if (head[0] === 0x16) return head.length < 2 ? undefined : head[1] === 0x03 ? 'tls' : 'opaque';
  const prefaceBytes = Math.min(head.length, H2_PREFACE.length);
  if (head.subarray(0, prefaceBytes).equals(H2_PREFACE.subarray(0, prefaceBytes))) {
    return prefaceBytes === H2_PREFACE.length ? 'h2' : undefined;
  }
  const line = requestLine(head);
  if (line === 'incomplete') return head.length >= HTTP1_LINE_LIMIT ? 'opaque' : undefined;
  return line === 'valid' ? 'http1' : 'opaque';
}

const TOKEN_PUNCTUATION = new Set(Array.from("!#$%&'*+-.^_`|~", (c) => c.charCodeAt(0)));
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const VERSION_PREFIX = Buffer.from(' HTTP/1.', 'latin1');

function isTokenByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || TOKEN_PUNCTUATION.has(b);
}

function isTargetByte(b: number): boolean {
  return b > SP && b < 0x7f;
}

/** Whether `head` starts with a valid HTTP/1 request line, could still, or cannot. */
function requestLine(head: Buffer): 'valid' | 'invalid' | 'incomplete' {
  const limit = Math.min(head.length, HTTP1_LINE_LIMIT);
  let i = 0;
  while (i < limit && isTokenByte(head[i] ?? 0)) i++;
  if (i === limit) return 'incomplete';
  if (i === 0 || head[i] !== SP) return 'invalid';
  const targetStart = ++i;
  while (i < limit && isTargetByte(head[i] ?? 0)) i++;
  if (i === limit) return 'incomplete';
  if (i === targetStart) return 'invalid';
  // The version: " HTTP/1." then 0 or 1, then CRLF.
  const expected = [...VERSION_PREFIX, -1, CR, LF];
  for (const want of expected) {
    if (i === limit) return 'incomplete';
    const b = head[i++] ?? 0;
    const ok = want === -1 ? b === 0x30 || b === 0x31 : b === want;
    if (!ok) return 'invalid';
  }
  return 'valid';
}

/** Reads the first bytes of `socket` until `classifyHead` decides, then puts them back. */
export async function detectProtocol(socket: Readable, timeoutMs: number): Promise<Detected> {
  const peeked = await peek(socket, timeoutMs, classifyHead);
  return { kind: peeked.verdict ?? 'opaque', head: peeked.head, timedOut: peeked.timedOut, ended: peeked.ended };
}

export interface Peeked<T> {
  /** Undefined when the timeout passed or the client ended its side before `decide` decided. */
  readonly verdict: T | undefined;
  readonly head: Buffer;
  readonly timedOut: boolean;
  readonly ended: boolean;
}

/**
 * Reads `socket` until `decide(head)` returns something other than undefined, `timeoutMs` passes
 * or the client ends its side, then unshifts every byte read (see the module contract). Reads
 * happen through 'readable' and `read(n)` of exactly what is buffered, so the end of the stream is
 * seen (a 'readable' with nothing buffered) before 'end' is emitted, while the bytes can still go
 * back. `decide` must bound how much it waits for.
 */
export function peek<T>(socket: Readable, timeoutMs: number, decide: (head: Buffer) => T | undefined): Promise<Peeked<T>> {
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    return Promise.reject(new RangeError(`the protocol detection timeout must be a non-negative number of milliseconds, not ${timeoutMs}`));
  }
  if (socket.destroyed || socket.readableEnded) {
    return Promise.reject(new ProtocolDetectionError('the connection was already closed when protocol detection began'));
  }
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const settle = (outcome: Peeked<T> | ProtocolDetectionError) => {
      clearTimeout(timer);
      socket.off('readable', onReadable).off('end', onEnd).off('error', onError).off('close', onClose);
      if (outcome instanceof ProtocolDetectionError) return reject(outcome);
      if (head.length > 0) socket.unshift(head);
      resolve(outcome);
    };
    const onReadable = () => {
      const available = socket.readableLength;
      if (available === 0) return settle({ verdict: undefined, head, timedOut: false, ended: true });
      const chunk: unknown = socket.read(available);
      if (chunk instanceof Buffer) head = Buffer.concat([head, chunk]);
      else if (typeof chunk === 'string') head = Buffer.concat([head, Buffer.from(chunk)]);
      const verdict = decide(head);
      if (verdict !== undefined) settle({ verdict, head, timedOut: false, ended: false });
    };
    const onEnd = () =>
      settle(
        head.length === 0
          ? { verdict: undefined, head, timedOut: false, ended: true }
          : new ProtocolDetectionError(`the client ended the connection after ${head.length} bytes, before they could be put back`),
      );
    const onError = (error: Error) =>
      settle(new ProtocolDetectionError(`the connection failed during protocol detection: ${error.message}`, { cause: error }));
    const onClose = () => settle(new ProtocolDetectionError('the connection closed during protocol detection'));
    const timer = setTimeout(() => settle({ verdict: undefined, head, timedOut: true, ended: false }), timeoutMs);
    socket.on('readable', onReadable).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
