import { describe, expect, test } from 'vitest';
import { DecodeResult } from '../../src/decode/packet.js';
import { newDecodeStats } from '../../src/decode/stats.js';
import {
  encodeIpv4,
  encodeLink,
  encodeTcp,
  ETHERTYPE_IPV4,
  fragmentIp,
  icmpFrame,
  PROTO_TCP,
  tcpFrame,
  udpFrame,
  type TcpSpec,
} from '../fixture/packet.js';
import { decodeBytes, payloadText } from './helpers.js';

const SEGMENT: TcpSpec = { src: '192.0.2.1', dst: '198.51.100.2', srcPort: 1025, dstPort: 21, seq: 7, ack: 9, payload: 'RETR file\r\n' };

function ipv4Frame(ip: Parameters<typeof encodeIpv4>[4], tcp: TcpSpec = SEGMENT) {
  return encodeLink(ETHERTYPE_IPV4, encodeIpv4(tcp.src, tcp.dst, PROTO_TCP, encodeTcp(tcp), ip));
}

describe('IPv4 header', () => {
  test('options are skipped by IHL', () => {
    // Record Route (7) with room for two addresses, then NOP, then END padding.
    const options = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const { result, pkt } = decodeBytes(ipv4Frame({ options }));
    expect(result).toBe(DecodeResult.Tcp);
    expect(pkt.tcpOffset - pkt.ipOffset).toBe(20 + options.length);
    expect(payloadText(pkt)).toBe('RETR file\r\n');
  });

  test('40 bytes of options (IHL 15)', () => {
    const { result, pkt } = decodeBytes(ipv4Frame({ options: new Array(40).fill(1) }));
    expect(result).toBe(DecodeResult.Tcp);
    expect(pkt.tcpOffset - pkt.ipOffset).toBe(60);
  });

  test('a bad header checksum does not stop decoding (offload leaves them in sender-side captures)', () => {
    const { result, pkt } = decodeBytes(ipv4Frame({ badChecksum: true }));
    expect(result).toBe(DecodeResult.Tcp);
    expect(payloadText(pkt)).toBe('RETR file\r\n');
  });

  test('IHL below 5 is malformed', () => {
    expect(decodeBytes(ipv4Frame({ ihlWords: 4 })).result).toBe(DecodeResult.Malformed);
  });

  test('total length below the header length is malformed', () => {
    expect(decodeBytes(ipv4Frame({ totalLength: 19 })).result).toBe(DecodeResult.Malformed);
  });

  test('total length too short for the TCP header is malformed, not truncated', () => {
    expect(decodeBytes(ipv4Frame({ totalLength: 30 })).result).toBe(DecodeResult.Malformed);
  });

  test('total length 0 (TSO, captured before the NIC filled it in) takes the rest of the frame', () => {
    const { result, pkt } = decodeBytes(ipv4Frame({ totalLength: 0 }));
    expect(result).toBe(DecodeResult.Tcp);
    expect(payloadText(pkt)).toBe('RETR file\r\n');
  });

  test('Ethernet padding is not payload', () => {
    const bare = { ...SEGMENT, payload: 'A' };
    const frame = tcpFrame({ ...bare, pad: true });
    expect(frame.data.length).toBe(60);
    const { result, pkt } = decodeBytes(frame);
    expect(result).toBe(DecodeResult.Tcp);
    expect(pkt.payloadLength).toBe(1);
    expect(pkt.payloadCaptured).toBe(1);
    const ack = decodeBytes(tcpFrame({ ...bare, payload: '', pad: true }));
    expect([ack.pkt.payloadLength, ack.pkt.payloadCaptured]).toEqual([0, 0]);
  });

  test('a snaplen cut leaves payloadCaptured below payloadLength', () => {
    const frame = tcpFrame(SEGMENT);
    const { result, pkt } = decodeBytes(frame, { capturedLength: frame.data.length - 4 });
    expect(result).toBe(DecodeResult.Tcp);
    expect(pkt.payloadLength).toBe(11);
    expect(pkt.payloadCaptured).toBe(7);
    expect(payloadText(pkt)).toBe('RETR fi');
  });
});

describe('IPv4 fragments', () => {
  const big: TcpSpec = { ...SEGMENT, payload: 'x'.repeat(100) };
  const fragments = fragmentIp(big.src, big.dst, PROTO_TCP, encodeTcp(big), 48).map((ip) => encodeLink(ETHERTYPE_IPV4, ip));

  test('the first fragment with a whole TCP header decodes, marked as a fragment', () => {
    const stats = newDecodeStats();
    const { result, pkt } = decodeBytes(fragments[0]!, { stats, number: 12 });
    expect(result).toBe(DecodeResult.Tcp);
    expect(pkt.fragment).toBe(true);
    expect(pkt.srcPort).toBe(1025);
    expect(pkt.payloadLength).toBe(48 - 20);
    expect(stats.ipv4Fragments).toBe(1);
    expect(stats.firstFragmentFrame).toBe(12);
  });

  test('later fragments are Fragment and counted, the first frame number kept', () => {
    const stats = newDecodeStats();
    fragments.forEach((frame, i) => {
      const { result, pkt } = decodeBytes(frame, { stats, number: 5 + i });
      expect(result).toBe(i === 0 ? DecodeResult.Tcp : DecodeResult.Fragment);
      expect(pkt.fragment).toBe(true);
      expect(pkt.ipProtocol).toBe(PROTO_TCP);
    });
    expect(stats.ipv4Fragments).toBe(fragments.length);
    expect(stats.firstFragmentFrame).toBe(5);
    expect(stats.results[DecodeResult.Fragment]).toBe(fragments.length - 1);
  });

  test('a first fragment too short for the TCP header is Fragment', () => {
    const [first] = fragmentIp(big.src, big.dst, PROTO_TCP, encodeTcp(big), 16);
    expect(decodeBytes(encodeLink(ETHERTYPE_IPV4, first!)).result).toBe(DecodeResult.Fragment);
  });

  test('DF alone is not a fragment', () => {
    const { pkt, stats } = decodeBytes(ipv4Frame({ df: true }));
    expect(pkt.fragment).toBe(false);
    expect(stats.ipv4Fragments).toBe(0);
    expect(stats.firstFragmentFrame).toBe(0);
  });
});

describe('not TCP', () => {
  test('UDP', () => {
    const { result, pkt } = decodeBytes(udpFrame({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 53, dstPort: 5353, payload: 'q' }));
    expect(result).toBe(DecodeResult.NotTcp);
    expect(pkt.ipProtocol).toBe(17);
    expect(pkt.srcPort).toBe(0);
  });

  test('ICMP', () => {
    const { result, pkt } = decodeBytes(icmpFrame({ src: '10.0.0.1', dst: '10.0.0.2' }));
    expect(result).toBe(DecodeResult.NotTcp);
    expect(pkt.ipProtocol).toBe(1);
  });
});
