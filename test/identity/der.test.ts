import assert from 'node:assert/strict';
import fc from 'fast-check';
import { certificateTime, childrenOf, DerError, objectIdentifier, oidText, readElement, readWhole, sequence, tlv, Tag, unsignedInteger } from '../../src/identity/der.js';

describe('DER', () => {
  it('reads back every element it writes, short and long lengths alike', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 70_000 }), fc.constantFrom(Tag.octetString, Tag.utf8String, Tag.bitString), (length, tag) => {
      const content = Buffer.alloc(length, 7);
      const encoded = tlv(tag, content);
      const element = readWhole(encoded);
      assert.equal(element.tag, tag);
      assert.equal(element.end - element.contentStart, length);
      assert.equal(element.contentStart, length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5);
    }));
  });

  it('reads back object identifiers', () => {
    const arcs = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.integer({ min: 0, max: 2 ** 32 }), { maxLength: 8 }));
    fc.assert(fc.property(arcs, ([first, second, rest]) => {
      const dotted = [first, second, ...rest].join('.');
      const encoded = objectIdentifier(dotted);
      assert.equal(oidText(encoded.subarray(2)), dotted);
    }));
  });

  it('writes integers minimally and positive', () => {
    assert.deepEqual([...unsignedInteger(Uint8Array.of(0, 0, 5))], [0x02, 0x01, 0x05]);
    assert.deepEqual([...unsignedInteger(Uint8Array.of(0x80))], [0x02, 0x02, 0x00, 0x80]);
    assert.deepEqual([...unsignedInteger(Uint8Array.of())], [0x02, 0x01, 0x00]);
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050', () => {
    assert.equal(certificateTime(new Date('2049-12-31T23:59:59.900Z')).toString('latin1', 2), '491231235959Z');
    assert.equal(certificateTime(new Date('2049-12-31T23:59:59Z'))[0], Tag.utcTime);
    assert.equal(certificateTime(new Date('2050-01-01T00:00:00Z')).toString('latin1', 2), '20500101000000Z');
    assert.equal(certificateTime(new Date('2050-01-01T00:00:00Z'))[0], Tag.generalizedTime);
  });

  it('refuses indefinite, non-minimal and overlong lengths, and trailing bytes', () => {
    assert.throws(() => readElement(Buffer.from([0x30, 0x80, 0, 0]), 0), /indefinite/);
    assert.throws(() => readElement(Buffer.from([0x04, 0x81, 0x05, 1, 2, 3, 4, 5]), 0), /minimally/);
    assert.throws(() => readElement(Buffer.from([0x04, 0x82, 0x00, 0x90]), 0), /minimally/);
    assert.throws(() => readElement(Buffer.from([0x04, 0x05, 1, 2]), 0), /past its end/);
    assert.throws(() => readElement(Buffer.from([0x04, 0x85, 1, 1, 1, 1, 1]), 0), /too long/);
    assert.throws(() => readWhole(Buffer.from([0x04, 0x00, 0x00])), /trailing/);
  });

  it('never reads outside its input and fails only with DerError on any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        const walk = (input: Uint8Array, element: ReturnType<typeof readElement>, depth: number): void => {
          assert.ok(element.end <= input.length);
          if ((element.tag & 0x20) !== 0 && depth < 20) for (const child of childrenOf(input, element)) walk(input, child, depth + 1);
        };
        walk(bytes, readWhole(bytes), 0);
      } catch (error) {
        if (!(error instanceof DerError)) throw error;
      }
    }), { numRuns: 2000 });
  });

  it('nests sequences', () => {
    const encoded = sequence(sequence(tlv(Tag.integer, Uint8Array.of(1))), tlv(Tag.octetString, Uint8Array.of()));
    const children = childrenOf(encoded, readWhole(encoded));
    assert.deepEqual(children.map((child) => child.tag), [Tag.sequence, Tag.octetString]);
  });
});
