import { describe, expect, test } from 'vitest';
import { formatAddress } from '../../src/decode/address.js';
import { DecodeResult } from '../../src/decode/packet.js';
import { newDecodeStats } from '../../src/decode/stats.js';
import {
  encodeIpv6,
  encodeLink,
  encodeTcp,
  ETHERTYPE_IPV6,
  fragmentIp,
  icmpFrame,
  PROTO_TCP,
  udpFrame,
  type Ipv6ExtensionHeader,
  type TcpSpec,
} from '../fixture/packet.js';
import { decodeBytes, payloadText } from './helpers.js';

const SEGMENT: TcpSpec = { src: '2001:db8::10', dst: '2001:db8:0:1::21', srcPort: 50000, dstPort: 21, seq: 1, ack: 2, payload: 'EPSV\r\n' };

function ipv6Frame(extensions: Ipv6ExtensionHeader[], more: Parameters<typeof encodeIpv6>[4] = {}, tcp: TcpSpec = SEGMENT) {
  return encodeLink(ETHERTYPE_IPV6, encodeIpv6(tcp.src, tcp.dst, PROTO_TCP, encodeTcp(tcp), { ...more, extensions }));
}

describe('IPv6 extension headers', () => {
  const cases: Array<[string, Ipv6ExtensionHeader[], number]> = [
    ['none', [], 0],
    ['hop-by-hop', [{ type: 'hop-by-hop' }], 8],
    ['routing', [{ type: 'routing', length: 24 }], 24],
    ['destination options', [{ type: 'destination', length: 16 }], 16],
    ['AH (length in 4-byte units)', [{ type: 'ah', icvLength: 12 }], 24],
    ['atomic fragment header', [{ type: 'fragment' }], 8],
    [
      'a chain of all of them',
      [{ type: 'hop-by-hop' }, { type: 'destination' }, { type: 'routing' }, { type: 'fragment' }, { type: 'ah' }, { type: 'destination', length: 32 }],
      8 + 8 + 8 + 8 + 24 + 32,
    ],
  ];
  test.each(cases)('%s', (_name, extensions, length) => {
    const { result, pkt } = decodeBytes(ipv6Frame(extensions));
    expect(result).toBe(DecodeResult.Tcp);
    expect(pkt.ipProtocol).toBe(PROTO_TCP);
    expect(pkt.tcpOffset - pkt.ipOffset).toBe(40 + length);
    expect(formatAddress(pkt.buffer, pkt.srcAddrOffset, 6)).toBe('2001:db8::10');
    expect(formatAddress(pkt.buffer, pkt.dstAddrOffset, 6)).toBe('2001:db8:0:1::21');
    expect(pkt.fragment).toBe(false);
    expect(payloadText(pkt)).toBe('EPSV\r\n');
  });

  test('an extension header longer than the payload length is malformed', () => {
    const frame = ipv6Frame([{ type: 'hop-by-hop' }]);
    // Claim a 64-byte hop-by-hop header in a packet that has 8.
    frame.data[14 + 40 + 1] = 7;
    expect(decodeBytes(frame).result).toBe(DecodeResult.Malformed);
  });

  test('No Next Header (59) and ESP (50) are not TCP', () => {
    const frame = ipv6Frame([]);
    frame.data[14 + 6] = 59;
    expect(decodeBytes(frame).result).toBe(DecodeResult.NotTcp);
    frame.data[14 + 6] = 50;
    expect(decodeBytes(frame).result).toBe(DecodeResult.NotTcp);
  });

  test('payload length 0 (jumbogram) takes the rest of the frame', () => {
    const { result, pkt } = decodeBytes(ipv6Frame([{ type: 'hop-by-hop' }], { payloadLength: 0 }));
    expect(result).toBe(DecodeResult.Tcp);
    expect(payloadText(pkt)).toBe('EPSV\r\n');
  });

  test('Ethernet padding is not payload', () => {
    const frame = ipv6Frame([], {}, { ...SEGMENT, payload: '' });
    const padded = { linkType: 1, data: new Uint8Array(frame.data.length + 6) };
    padded.data.set(frame.data);
    const { pkt } = decodeBytes(padded);
    expect(pkt.payloadLength).toBe(0);
  });

  test('snaplen cut inside the payload', () => {
    const frame = ipv6Frame([{ type: 'destination' }]);
    const { result, pkt } = decodeBytes(frame, { capturedLength: frame.data.length - 2 });
    expect(result).toBe(DecodeResult.Tcp);
    expect([pkt.payloadLength, pkt.payloadCaptured]).toEqual([6, 4]);
  });
});

describe('IPv6 fragments', () => {
  const big: TcpSpec = { ...SEGMENT, payload: 'y'.repeat(120) };
  const fragments = fragmentIp(big.src, big.dst, PROTO_TCP, encodeTcp(big), 64, {
    extensions: [{ type: 'hop-by-hop' }],
  }).map((ip) => encodeLink(ETHERTYPE_IPV6, ip));

  test('first fragment decodes as TCP, later ones are Fragment, all counted', () => {
    const stats = newDecodeStats();
    fragments.forEach((frame, i) => {
      const { result, pkt } = decodeBytes(frame, { stats, number: 40 + i });
      expect(pkt.fragment).toBe(true);
      expect(result).toBe(i === 0 ? DecodeResult.Tcp : DecodeResult.Fragment);
      if (i === 0) expect(pkt.payloadLength).toBe(64 - 20);
    });
    expect(fragments.length).toBeGreaterThan(2);
    expect(stats.ipv6Fragments).toBe(fragments.length);
    expect(stats.ipv4Fragments).toBe(0);
    expect(stats.firstFragmentFrame).toBe(40);
  });

  test('a first fragment without the whole TCP header is Fragment', () => {
    const [first] = fragmentIp(big.src, big.dst, PROTO_TCP, encodeTcp(big), 8);
    expect(decodeBytes(encodeLink(ETHERTYPE_IPV6, first!)).result).toBe(DecodeResult.Fragment);
  });

  test('an atomic fragment (offset 0, no M flag) is not counted as a fragment (RFC 6946)', () => {
    const { pkt, stats } = decodeBytes(ipv6Frame([{ type: 'fragment' }]));
    expect(pkt.fragment).toBe(false);
    expect(stats.ipv6Fragments).toBe(0);
  });
});

describe('not TCP', () => {
  test('UDP over IPv6', () => {
    const { result, pkt } = decodeBytes(udpFrame({ src: '::1', dst: '::2', srcPort: 1, dstPort: 2 }));
    expect(result).toBe(DecodeResult.NotTcp);
    expect(pkt.ipProtocol).toBe(17);
  });

  test('ICMPv6 behind a hop-by-hop header', () => {
    const { result, pkt } = decodeBytes(icmpFrame({ src: 'fe80::1', dst: 'ff02::1', ip: { extensions: [{ type: 'hop-by-hop' }] } }));
    expect(result).toBe(DecodeResult.NotTcp);
    expect(pkt.ipProtocol).toBe(58);
  });
});
