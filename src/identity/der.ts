/**
 * DER, the byte encoding of certificates and CSRs: a strict reader that finds elements and
 * slices their exact bytes, and a writer for the few structures Sinew builds itself.
 *
 * Contract: the reader never reads outside the element it is given; it accepts only definite,
 * minimally encoded lengths up to 2^24 bytes and single-byte tags, and throws `DerError` on
 * anything else, so untrusted input can make it fail but never loop, allocate without bound or
 * read past an end. It copies nothing: slices share the input's memory. The writer produces DER
 * (minimal lengths, minimal integers), and its output is a fresh Buffer.
 */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One element: its tag, and where its header, content and end are in the input. */
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export const Tag = {
  boolean: 0x01, integer: 0x02, bitString: 0x03, octetString: 0x04, oid: 0x06, utf8String: 0x0c,
  printableString: 0x13, ia5String: 0x16, utcTime: 0x17, generalizedTime: 0x18,
  sequence: 0x30, set: 0x31,
} as const;

/** Context-specific tags: `[n]` constructed (EXPLICIT, or IMPLICIT of a constructed type) and primitive. */
export const contextConstructed = (n: number): number => 0xa0 + n;
export const contextPrimitive = (n: number): number => 0x80 + n;

/** Reads the element starting at `offset`, which must end by `limit`. */
export function readElement(input: Uint8Array, offset: number, limit: number = input.length): DerElement {
  if (offset + 2 > limit) throw new DerError('truncated element header');
  const tag = input[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  const first = input[offset + 1] as number;
  let length = first;
  let contentStart = offset + 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite lengths are not DER');
    if (count > 3) throw new DerError('element too long');
    if (contentStart + count > limit) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (input[contentStart + i] as number);
    if (length < 0x80 || input[contentStart] === 0) throw new DerError('length not minimally encoded');
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError('element runs past its end');
  return { tag, start: offset, contentStart, end };
}

/** The one element filling the whole input (nothing may follow it). */
export function readWhole(input: Uint8Array): DerElement {
  const element = readElement(input, 0);
  if (element.end !== input.length) throw new DerError('trailing bytes after the element');
  return element;
}

/** The elements inside a constructed element, in order. */
export function childrenOf(input: Uint8Array, parent: DerElement): DerElement[] {
  if ((parent.tag & 0x20) === 0) throw new DerError(`tag 0x${parent.tag.toString(16)} is not constructed`);
  const children: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const child = readElement(input, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** The child at `index`, which must have `tag`. */
export function childAt(input: Uint8Array, parent: DerElement, index: number, tag: number): DerElement {
  const child = childrenOf(input, parent)[index];
  if (child === undefined || child.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)} at position ${index}`);
  return child;
}

/** The whole encoding of an element (header and content). */
export function bytesOf(input: Uint8Array, element: DerElement): Buffer {
  return Buffer.from(input.buffer, input.byteOffset + element.start, element.end - element.start);
}

/** The content of an element. */
export function contentOf(input: Uint8Array, element: DerElement): Buffer {
  return Buffer.from(input.buffer, input.byteOffset + element.contentStart, element.end - element.contentStart);
}

/** Decodes an OBJECT IDENTIFIER's content to dotted form. */
export function oidText(content: Uint8Array): string {
  if (content.length === 0 || (content[content.length - 1] as number) >= 0x80) throw new DerError('malformed object identifier');
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    if (value === 0 && byte === 0x80) throw new DerError('object identifier arc not minimally encoded');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('object identifier arc too large');
    if (byte < 0x80) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs[0] as number;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

// ---- writing ----

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** An element from its tag and content parts. */
export function tlv(tag: number, ...content: readonly Uint8Array[]): Buffer {
  const length = content.reduce((sum, part) => sum + part.length, 0);
  return Buffer.concat([Buffer.from([tag, ...lengthBytes(length)]), ...content]);
}

export const sequence = (...content: readonly Uint8Array[]): Buffer => tlv(Tag.sequence, ...content);
export const set = (...content: readonly Uint8Array[]): Buffer => tlv(Tag.set, ...content);

/** A non-negative INTEGER from its big-endian magnitude. */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const bytes = magnitude.subarray(start);
  const padded = bytes.length === 0 || (bytes[0] as number) >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return tlv(Tag.integer, padded);
}

export function smallInteger(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffff) throw new RangeError(`not a small integer: ${value}`);
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return unsignedInteger(Uint8Array.from(bytes));
}

export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0)) throw new RangeError(`not an OID: ${dotted}`);
  const values = [(arcs[0] as number) * 40 + (arcs[1] as number), ...arcs.slice(2)];
  const bytes: number[] = [];
  for (const value of values) {
    const groups: number[] = [value % 128];
    for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) groups.unshift((rest % 128) | 0x80);
    bytes.push(...groups);
  }
  return tlv(Tag.oid, Uint8Array.from(bytes));
}

export const booleanTrue = (): Buffer => tlv(Tag.boolean, Uint8Array.of(0xff));
export const octetString = (content: Uint8Array): Buffer => tlv(Tag.octetString, content);
export const utf8String = (text: string): Buffer => tlv(Tag.utf8String, Buffer.from(text, 'utf8'));

/** A BIT STRING whose last `unusedBits` bits are padding. */
export function bitString(content: Uint8Array, unusedBits = 0): Buffer {
  return tlv(Tag.bitString, Uint8Array.of(unusedBits), content);
}

/** A certificate time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), to the second. */
export function certificateTime(date: Date): Buffer {
  const iso = date.toISOString();
  const year = date.getUTCFullYear();
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  if (year >= 1950 && year < 2050) return tlv(Tag.utcTime, Buffer.from(digits.slice(2) + 'Z', 'ascii'));
  return tlv(Tag.generalizedTime, Buffer.from(digits + 'Z', 'ascii'));
}
