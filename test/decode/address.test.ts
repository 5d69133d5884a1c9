import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  formatAddress,
  formatEndpoint,
  hashConnectionTuple,
  hashTuple,
  matchTuple,
  parseAddress,
  TupleDirection,
  tupleEquals,
  tupleOf,
} from '../../src/decode/address.js';
import { tcpFrame } from '../fixture/packet.js';
import { decodeBytes } from './helpers.js';

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

describe('connection tuples', () => {
  const forward = { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 21 };
  const reverse = { src: '10.0.0.2', dst: '10.0.0.1', srcPort: 21, dstPort: 40000 };
  const decodedPacket = (spec: typeof forward, vlan = false) =>
    decodeBytes(tcpFrame({ ...spec, vlan: vlan ? [{ tpid: 0x8100, id: 1 }] : undefined })).pkt;

  test('the hash is the same both ways, at any offset, and equals the stored tuple hash', () => {
    const a = decodedPacket(forward);
    const b = decodedPacket(reverse, true);
    expect(hashTuple(a)).toBe(hashTuple(b));
    expect(hashConnectionTuple(tupleOf(a))).toBe(hashTuple(a));
    expect(hashConnectionTuple(tupleOf(b))).toBe(hashTuple(a));
  });

  test('matchTuple tells the direction', () => {
    const tuple = tupleOf(decodedPacket(forward));
    expect(matchTuple(tuple, decodedPacket(forward, true))).toBe(TupleDirection.AToB);
    expect(matchTuple(tuple, decodedPacket(reverse))).toBe(TupleDirection.BToA);
    expect(matchTuple(tuple, decodedPacket({ ...forward, srcPort: 40001 }))).toBe(TupleDirection.None);
    expect(matchTuple(tuple, decodedPacket({ ...forward, dst: '10.0.0.3' }))).toBe(TupleDirection.None);
    expect(tupleEquals(tuple, decodedPacket(reverse))).toBe(true);
  });

  test('the tuple is a copy: reusing the frame buffer does not change it', () => {
    const pkt = decodedPacket(forward);
    const tuple = tupleOf(pkt);
    pkt.buffer.fill(0);
    expect(formatAddress(tuple.addressA, 0, 4)).toBe('10.0.0.1');
  });

  test('IPv6 tuples, and an IPv4 packet never matches an IPv6 tuple', () => {
    const v6 = decodedPacket({ ...forward, src: '::ffff:10.0.0.1', dst: '::ffff:10.0.0.2' });
    const tuple = tupleOf(v6);
    expect(tuple.addressA.length).toBe(16);
    expect(matchTuple(tuple, decodedPacket(forward))).toBe(TupleDirection.None);
  });

  test('hashes of nearby tuples spread over the buckets', () => {
    const buckets = new Set<number>();
    for (let port = 1024; port < 1024 + 4096; port++) {
      buckets.add(hashTuple(decodedPacket({ ...forward, srcPort: port })) & 1023);
    }
    expect(buckets.size).toBeGreaterThan(950);
  });
});
