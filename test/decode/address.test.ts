import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatAddress, formatEndpoint, parseAddress } from '../../src/decode/address.js';

describe('formatAddress', () => {
  const cases: Array<[string, string]> = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // tie: the first run
    ['2001:0000:0000:0001:0000:0000:0000:0001', '2001:0:0:1::1'], // the longest run wins
    ['fe80:0000:0000:0000:0000:0000:0000:0000', 'fe80::'],
    ['ABCD:EF01:0000:0000:0000:0000:0000:0000', 'abcd:ef01::'],
    ['0000:0000:0000:0000:0000:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['0000:0000:0000:0000:0000:0000:c000:0201', '::c000:201'], // IPv4-compatible is deprecated: plain hex
  ];
  test.each(cases)('%s → %s', (full, expected) => {
    const bytes = Uint8Array.from(full.split(':').flatMap((group) => [parseInt(group.slice(0, 2), 16), parseInt(group.slice(2), 16)]));
    const buf = new Uint8Array(20);
    buf.set(bytes, 3);
    expect(formatAddress(buf, 3, 6)).toBe(expected);
  });

  test('IPv4 and endpoints', () => {
    const buf = Uint8Array.of(9, 192, 0, 2, 255);
    expect(formatAddress(buf, 1, 4)).toBe('192.0.2.255');
    expect(formatEndpoint(buf, 1, 4, 21)).toBe('192.0.2.255:21');
    expect(formatEndpoint(parseAddress('2001:db8::1')!.bytes, 0, 6, 21)).toBe('[2001:db8::1]:21');
  });
});

describe('parseAddress', () => {
  test.each([
    ['10.0.0.1', 4, [10, 0, 0, 1]],
    ['255.255.255.255', 4, [255, 255, 255, 255]],
    ['::', 6, new Array(16).fill(0)],
    ['::1', 6, [...new Array(15).fill(0), 1]],
    ['1::', 6, [0, 1, ...new Array(14).fill(0)]],
    ['2001:DB8::1:2', 6, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]],
    ['::ffff:192.0.2.1', 6, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]],
    ['1:2:3:4:5:6:7:8', 6, [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]],
    ['1:2:3:4:5:6:1.2.3.4', 6, [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4]],
  ])('%s', (text, version, bytes) => {
    expect(parseAddress(text)).toEqual({ version, bytes: Uint8Array.from(bytes) });
  });

  test.each([
    '',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.a',
    ' 1.2.3.4',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '1:2:3:4:5:6:7:8::',
    '12345::',
    ':1::',
    'g::1',
    '::1.2.3.4.5',
    '1.2.3.4::',
    'fe80::1%eth0',
    '[::1]',
  ])('rejects %j', (text) => {
    expect(parseAddress(text)).toBeNull();
  });

  test('format and parse are inverse for any IPv6 address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (bytes, sparse) => {
        // Sparse inputs exercise the zero-run compression.
        const input = sparse ? bytes.map((b, i) => (b % 3 === 0 ? b : 0) * (i % 5 === 0 ? 1 : 0)) : bytes;
        const text = formatAddress(input, 0, 6);
        expect(parseAddress(text)).toEqual({ version: 6, bytes: input });
      }),
      { numRuns: 2000 },
    );
  });

  test('format and parse are inverse for any IPv4 address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (bytes) => {
        expect(parseAddress(formatAddress(bytes, 0, 4))).toEqual({ version: 4, bytes });
      }),
    );
  });
});
