import { describe, expect, test } from 'vitest';
import { formatAddress } from '../../src/decode/address.js';
import { DecodeResult } from '../../src/decode/packet.js';
import {
  ALL_LINKS,
  arpFrame,
  concat,
  encodeIp,
  encodeLink,
  encodeTcp,
  ETHERTYPE_IPV4,
  LINK_TYPES,
  PROTO_TCP,
  tcpFrame,
  type LinkName,
  type TcpFrameSpec,
  type VlanTag,
} from '../fixture/packet.js';
import { decodeBytes, payloadText } from './helpers.js';

const V4: TcpFrameSpec = { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 21, seq: 1000, ack: 2000, payload: 'USER anonymous\r\n' };
const V6: TcpFrameSpec = { ...V4, src: '2001:db8::1', dst: '2001:db8::2' };

const linksFor = (version: 4 | 6): LinkName[] => ALL_LINKS.filter((link) => link !== (version === 4 ? 'ipv6' : 'ipv4'));

describe('every link type carries IPv4 and IPv6 TCP', () => {
  for (const version of [4, 6] as const) {
    test.each(linksFor(version))(`%s, IPv${version}`, (link) => {
      const spec = version === 4 ? V4 : V6;
      const { result, pkt, stats } = decodeBytes(tcpFrame({ ...spec, link }));
      expect(result).toBe(DecodeResult.Tcp);
      expect(pkt.ipVersion).toBe(version);
      expect(formatAddress(pkt.buffer, pkt.srcAddrOffset, pkt.ipVersion)).toBe(spec.src);
      expect(formatAddress(pkt.buffer, pkt.dstAddrOffset, pkt.ipVersion)).toBe(spec.dst);
      expect([pkt.srcPort, pkt.dstPort, pkt.seq, pkt.ack]).toEqual([40000, 21, 1000, 2000]);
      expect(payloadText(pkt)).toBe('USER anonymous\r\n');
      expect(pkt.vlanDepth).toBe(0);
      expect(stats.linkTypes).toEqual({ [LINK_TYPES[link]]: 1 });
    });
  }
});

describe('VLAN stacks', () => {
  const cases: Array<[string, VlanTag[]]> = [
    ['802.1Q', [{ tpid: 0x8100, id: 10 }]],
    ['802.1ad + 802.1Q', [{ tpid: 0x88a8, id: 20 }, { tpid: 0x8100, id: 10 }]],
    ['old QinQ 0x9100 + 802.1Q', [{ tpid: 0x9100, id: 300 }, { tpid: 0x8100, id: 4094 }]],
    ['four deep', [{ tpid: 0x88a8, id: 1 }, { tpid: 0x88a8, id: 2 }, { tpid: 0x8100, id: 3 }, { tpid: 0x8100, id: 4 }]],
    ['priority bits do not leak into the id', [{ tpid: 0x8100, id: 5, priority: 7 }]],
  ];
  for (const link of ['ethernet', 'sll', 'sll2'] as const) {
    for (const version of [4, 6] as const) {
      test.each(cases)(`${link} IPv${version}: %s`, (_name, vlan) => {
        const { result, pkt } = decodeBytes(tcpFrame({ ...(version === 4 ? V4 : V6), link, vlan }));
        expect(result).toBe(DecodeResult.Tcp);
        expect(pkt.vlanId).toBe(vlan[0]!.id);
        expect(pkt.vlanDepth).toBe(vlan.length);
        expect(payloadText(pkt)).toBe('USER anonymous\r\n');
      });
    }
  }

  test('a stack cut inside a tag is truncated', () => {
    const frame = tcpFrame({ ...V4, vlan: [{ tpid: 0x88a8, id: 20 }, { tpid: 0x8100, id: 10 }] });
    expect(decodeBytes(frame, { capturedLength: 14 + 4 + 2 }).result).toBe(DecodeResult.Truncated);
  });
});

describe('BSD loopback families', () => {
  const ip4 = encodeIp(V4.src, V4.dst, PROTO_TCP, encodeTcp(V4));
  const ip6 = encodeIp(V6.src, V6.dst, PROTO_TCP, encodeTcp(V6));
  const header = (family: number, littleEndian: boolean) => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, family, littleEndian);
    return bytes;
  };
  test.each([
    ['null LE AF_INET', 0, header(2, true), ip4, 4],
    ['null BE AF_INET (big-endian capture host)', 0, header(2, false), ip4, 4],
    ['null LE AF_INET6 NetBSD/OpenBSD 24', 0, header(24, true), ip6, 6],
    ['null LE AF_INET6 FreeBSD 28', 0, header(28, true), ip6, 6],
    ['null BE AF_INET6 Darwin 30', 0, header(30, false), ip6, 6],
    ['loop AF_INET', 108, header(2, false), ip4, 4],
    ['loop AF_INET6 24', 108, header(24, false), ip6, 6],
  ])('%s', (_name, linkType, family, ip, version) => {
    const { result, pkt } = decodeBytes({ linkType, data: concat(family, ip) });
    expect(result).toBe(DecodeResult.Tcp);
    expect(pkt.ipVersion).toBe(version);
  });

  test('the encoder writes big-endian null headers on request', () => {
    const { result } = decodeBytes(tcpFrame({ ...V6, link: 'null', nullBigEndian: true }));
    expect(result).toBe(DecodeResult.Tcp);
  });

  test('an unknown family is not TCP', () => {
    expect(decodeBytes({ linkType: 0, data: concat(header(7, true), ip4) }).result).toBe(DecodeResult.NotTcp);
    expect(decodeBytes({ linkType: 108, data: concat(header(7, false), ip4) }).result).toBe(DecodeResult.NotTcp);
  });
});

describe('frames that are not TCP over IP', () => {
  test.each(['ethernet', 'sll', 'sll2'] as const)('ARP over %s', (link) => {
    const { result, pkt } = decodeBytes(arpFrame({ link, senderIp: '10.0.0.1', targetIp: '10.0.0.2' }));
    expect(result).toBe(DecodeResult.NotTcp);
    expect(pkt.ipVersion).toBe(0);
  });

  test('802.3 length field (LLC) is not TCP', () => {
    const llc = Uint8Array.from([0x42, 0x42, 0x03, 0, 0, 0, 0, 0]);
    const frame = encodeLink(llc.length, llc, { link: 'ethernet' });
    expect(decodeBytes(frame).result).toBe(DecodeResult.NotTcp);
  });

  test('IPv4 behind an IPv6 EtherType is malformed', () => {
    const ip4 = encodeIp(V4.src, V4.dst, PROTO_TCP, encodeTcp(V4));
    expect(decodeBytes(encodeLink(0x86dd, ip4)).result).toBe(DecodeResult.Malformed);
  });

  test.each(['raw', 'raw-12', 'raw-14'] as const)('%s with IP version 5 is malformed', (link) => {
    const ip4 = encodeIp(V4.src, V4.dst, PROTO_TCP, encodeTcp(V4));
    ip4[0] = 0x55;
    expect(decodeBytes(encodeLink(ETHERTYPE_IPV4, ip4, { link })).result).toBe(DecodeResult.Malformed);
  });

  test('LINKTYPE_IPV4 holding an IPv6 packet is malformed', () => {
    const ip6 = encodeIp(V6.src, V6.dst, PROTO_TCP, encodeTcp(V6));
    expect(decodeBytes({ linkType: 228, data: ip6 }).result).toBe(DecodeResult.Malformed);
  });
});

test.each([105, 127, 147, 9999])('link type %i is unsupported', (linkType) => {
  const { result, stats } = decodeBytes({ linkType, data: tcpFrame(V4).data });
  expect(result).toBe(DecodeResult.UnsupportedLink);
  expect(stats.results[DecodeResult.UnsupportedLink]).toBe(1);
  expect(stats.linkTypes).toEqual({ [linkType]: 1 });
});
