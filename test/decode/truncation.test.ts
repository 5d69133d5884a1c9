import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SUPPORTED_LINK_TYPES } from '../../src/decode/link.js';
import { DecodeResult, newDecodedPacket } from '../../src/decode/packet.js';
import { ALL_LINKS, arpFrame, tcpFrame, udpFrame, type EncodedFrame, type LinkName } from '../fixture/packet.js';
import { decodeBytes } from './helpers.js';

const TCP_OPTIONS = { mss: 1460, wscale: 7, sackPermitted: true, timestamps: { val: 1, ecr: 2 } };

function tcpFrames(): Array<[string, EncodedFrame]> {
  const frames: Array<[string, EncodedFrame]> = [];
  for (const link of ALL_LINKS) {
    const vlan = link === 'ethernet' || link === 'sll' || link === 'sll2' ? [{ tpid: 0x88a8, id: 1 }, { tpid: 0x8100, id: 2 }] : undefined;
    if (link !== 'ipv6') {
      frames.push([
        `${link} IPv4 with IP and TCP options`,
        tcpFrame({ link, vlan, src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, options: TCP_OPTIONS, payload: 'payload!', ip: { options: [1, 1, 1, 1] } }),
      ]);
    }
    if (link !== 'ipv4') {
      frames.push([
        `${link} IPv6 with extension headers and TCP options`,
        tcpFrame({
          link: link as LinkName,
          vlan,
          src: '2001:db8::1',
          dst: '2001:db8::2',
          srcPort: 1,
          dstPort: 2,
          options: TCP_OPTIONS,
          payload: 'payload!',
          ip: { extensions: [{ type: 'hop-by-hop' }, { type: 'routing' }, { type: 'fragment' }, { type: 'ah' }, { type: 'destination' }] },
        }),
      ]);
    }
  }
  return frames;
}

describe('a frame cut at every length', () => {
  test.each(tcpFrames())('%s', (_name, frame) => {
    const whole = decodeBytes(frame);
    expect(whole.result).toBe(DecodeResult.Tcp);
    const headerEnd = whole.pkt.payloadOffset - 7; // decodeBytes puts the frame at offset 7
    for (let length = 0; length <= frame.data.length; length++) {
      const { result, pkt } = decodeBytes(frame, { capturedLength: length });
      if (length < headerEnd) {
        expect(result, `cut at ${length}`).toBe(DecodeResult.Truncated);
      } else {
        expect(result, `cut at ${length}`).toBe(DecodeResult.Tcp);
        expect(pkt.payloadLength).toBe(8);
        expect(pkt.payloadCaptured).toBe(length - headerEnd);
      }
    }
  });

  test.each([
    ['UDP', udpFrame({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, payload: 'x' })],
    ['ARP', arpFrame({ senderIp: '10.0.0.1', targetIp: '10.0.0.2' })],
  ])('%s is NotTcp once its headers are there, Truncated before', (_name, frame) => {
    const results = new Set<DecodeResult>();
    for (let length = 0; length <= frame.data.length; length++) results.add(decodeBytes(frame, { capturedLength: length }).result);
    expect([...results].sort()).toEqual([DecodeResult.NotTcp, DecodeResult.Truncated]);
  });

  test('a reader claiming more bytes than its buffer holds does not read past it', () => {
    const frame = tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, payload: 'abc' });
    const { result, pkt } = decodeBytes(frame, { capturedLength: frame.data.length + 1000 });
    expect(result).toBe(DecodeResult.Tcp);
    expect(pkt.payloadCaptured).toBe(3);
  });
});

describe('arbitrary bytes never throw', () => {
  const linkType = fc.oneof(fc.constantFrom(...SUPPORTED_LINK_TYPES), fc.integer({ min: 0, max: 300 }));

  function checkInvariants(frame: EncodedFrame, capturedLength: number) {
    const pkt = newDecodedPacket();
    const { result } = decodeBytes(frame, { capturedLength, pkt });
    expect(result).toBeGreaterThanOrEqual(DecodeResult.Tcp);
    expect(result).toBeLessThanOrEqual(DecodeResult.Malformed);
    if (result === DecodeResult.Tcp) {
      const end = 7 + Math.min(capturedLength, frame.data.length);
      expect(pkt.payloadOffset).toBeLessThanOrEqual(end);
      expect(pkt.payloadOffset + pkt.payloadCaptured).toBeLessThanOrEqual(end);
      expect(pkt.payloadCaptured).toBeLessThanOrEqual(pkt.payloadLength);
      expect(pkt.seq).toBeGreaterThanOrEqual(0);
      expect(pkt.ack).toBeGreaterThanOrEqual(0);
    }
  }

  test('random frames', () => {
    fc.assert(
      fc.property(linkType, fc.uint8Array({ maxLength: 200 }), (type, data) => {
        checkInvariants({ linkType: type, data }, data.length);
      }),
      { numRuns: 3000 },
    );
  });

  test('valid frames with random bytes overwritten and random cuts', () => {
    const frames = tcpFrames().map(([, frame]) => frame);
    fc.assert(
      fc.property(
        fc.constantFrom(...frames),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (frame, edits, cut) => {
          const data = frame.data.slice();
          for (const [at, value] of edits) data[at % data.length] = value;
          checkInvariants({ linkType: frame.linkType, data }, cut % (data.length + 1));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
