import { describe, expect, test } from 'vitest';
import { DecodeResult, newDecodedPacket, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../src/decode/packet.js';
import { tcpFrame, type TcpFrameSpec, type TcpOptionsSpec } from '../fixture/packet.js';
import { decodeBytes, payloadText } from './helpers.js';

const BASE: TcpFrameSpec = { src: '10.1.1.1', dst: '10.2.2.2', srcPort: 20, dstPort: 33000, seq: 1, ack: 1 };

function decodeOptions(options: TcpOptionsSpec) {
  return decodeBytes(tcpFrame({ ...BASE, flags: TCP_SYN, options, payload: 'after options' }));
}

describe('TCP options', () => {
  test('MSS, window scale, SACK-permitted, timestamps on a SYN', () => {
    const { result, pkt } = decodeOptions({ mss: 1380, wscale: 14, sackPermitted: true, timestamps: { val: 0xfffffff0, ecr: 42 } });
    expect(result).toBe(DecodeResult.Tcp);
    expect(pkt).toMatchObject({ mss: 1380, windowScale: 14, sackPermitted: true, hasTimestamps: true, tsVal: 0xfffffff0, tsEcr: 42 });
    expect(pkt.sackBlocks).toBe(0);
    expect(payloadText(pkt)).toBe('after options');
  });

  test.each([1, 2, 3])('%i SACK blocks', (count) => {
    const sack = Array.from({ length: count }, (_, i): [number, number] => [i * 100, i * 100 + 50]);
    const { pkt } = decodeOptions({ timestamps: { val: 1, ecr: 2 }, sack });
    expect(pkt.sackBlocks).toBe(count);
    expect(pkt.hasTimestamps).toBe(true);
  });

  test('no options leaves the "absent" values', () => {
    const { pkt } = decodeBytes(tcpFrame(BASE));
    expect(pkt).toMatchObject({ mss: -1, windowScale: -1, sackPermitted: false, sackBlocks: 0, hasTimestamps: false });
  });

  test('unknown options are skipped by their length', () => {
    // TCP Fast Open cookie (34), 10 bytes, before the MSS.
    const { pkt } = decodeOptions({ raw: [34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 2, 4, 0x05, 0xb4] });
    expect(pkt.mss).toBe(1460);
  });

  test('END stops the walk', () => {
    const { pkt } = decodeOptions({ raw: [0, 2, 4, 0x05, 0xb4] });
    expect(pkt.mss).toBe(-1);
  });

  const malformed: Array<[string, number[]]> = [
    ['length 0', [254, 0, 2, 4, 0x05, 0xb4]],
    ['length 1', [254, 1, 2, 4, 0x05, 0xb4]],
    ['length past the header', [254, 40]],
    ['MSS with length 3', [2, 3, 5, 1]],
    ['window scale with length 4', [3, 4, 7, 1]],
    ['timestamps with length 8', [8, 8, 0, 0, 0, 1, 0, 0]],
    ['SACK with a partial block', [5, 6, 0, 0, 0, 1]],
    ['kind with no room for its length byte', [1, 1, 1, 3]],
  ];
  test.each(malformed)('malformed %s stops parsing, keeps earlier options and the segment', (_name, raw) => {
    const { result, pkt } = decodeOptions({ wscale: 5, raw });
    expect(result).toBe(DecodeResult.Tcp);
    expect(pkt.windowScale).toBe(5);
    expect(pkt.mss).toBe(-1);
    expect(pkt.hasTimestamps).toBe(false);
    expect(payloadText(pkt)).toBe('after options');
  });
});

describe('TCP header', () => {
  test('sequence and acknowledgement numbers are unsigned 32-bit', () => {
    const { pkt } = decodeBytes(tcpFrame({ ...BASE, seq: 0xffffffff, ack: 0x80000000 }));
    expect(pkt.seq).toBe(0xffffffff);
    expect(pkt.ack).toBe(0x80000000);
  });

  test('flags and window', () => {
    const { pkt } = decodeBytes(tcpFrame({ ...BASE, flags: TCP_FIN | TCP_PSH | TCP_ACK | 0x80, window: 0 }));
    expect(pkt.tcpFlags).toBe(0x80 | TCP_FIN | TCP_PSH | TCP_ACK);
    expect(pkt.window).toBe(0);
  });

  test('data offset below 5 is malformed', () => {
    expect(decodeBytes(tcpFrame({ ...BASE, dataOffsetWords: 4 })).result).toBe(DecodeResult.Malformed);
  });

  test('data offset past the IP packet is malformed', () => {
    expect(decodeBytes(tcpFrame({ ...BASE, payload: 'abcd', dataOffsetWords: 15 })).result).toBe(DecodeResult.Malformed);
  });

  test('data offset past the captured bytes (but inside the IP packet) is truncated', () => {
    const frame = tcpFrame({ ...BASE, options: { mss: 1460, timestamps: { val: 1, ecr: 1 } } });
    expect(decodeBytes(frame, { capturedLength: frame.data.length - 1 }).result).toBe(DecodeResult.Truncated);
  });

  test('a reused packet record carries nothing over from the previous frame', () => {
    const pkt = newDecodedPacket();
    decodeBytes(tcpFrame({ ...BASE, options: { mss: 1000, wscale: 2, sackPermitted: true, sack: [[1, 2]], timestamps: { val: 3, ecr: 4 } }, payload: 'x', vlan: [{ tpid: 0x8100, id: 3 }], ip: { mf: true } }), { pkt });
    expect(pkt.fragment).toBe(true);
    decodeBytes(tcpFrame(BASE), { pkt });
    expect(pkt).toMatchObject({
      mss: -1,
      windowScale: -1,
      sackPermitted: false,
      sackBlocks: 0,
      hasTimestamps: false,
      tsVal: 0,
      tsEcr: 0,
      vlanId: 0,
      vlanDepth: 0,
      fragment: false,
      payloadLength: 0,
    });
    decodeBytes({ linkType: 1, data: new Uint8Array(10) }, { pkt });
    expect(pkt).toMatchObject({ ipVersion: 0, srcPort: 0, seq: 0 });
  });
});
