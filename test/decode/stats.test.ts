import { expect, test } from 'vitest';
import { DecodeResult } from '../../src/decode/packet.js';
import { decodeResultCounts, decodeResultName, newDecodeStats } from '../../src/decode/stats.js';
import { arpFrame, tcpFrame, udpFrame } from '../fixture/packet.js';
import { decodeBytes } from './helpers.js';

test('one run counts every frame once, by result and by link type', () => {
  const stats = newDecodeStats();
  const tcp = { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 21 };
  const frames = [
    tcpFrame(tcp),
    tcpFrame({ ...tcp, link: 'sll2' }),
    tcpFrame({ ...tcp, ip: { mf: true, badChecksum: true } }),
    tcpFrame({ ...tcp, ip: { fragmentOffset: 8 } }),
    udpFrame({ ...tcp, link: 'raw' }),
    arpFrame({ senderIp: '10.0.0.1', targetIp: '10.0.0.9' }),
    { linkType: 1, data: new Uint8Array(9) },
    { linkType: 4242, data: new Uint8Array(60) },
    tcpFrame({ ...tcp, dataOffsetWords: 2 }),
  ];
  frames.forEach((frame, i) => decodeBytes(frame, { stats, number: i + 1 }));

  expect(stats.frames).toBe(frames.length);
  expect(decodeResultCounts(stats)).toEqual({
    tcp: 3,
    notTcp: 2,
    fragment: 1,
    truncated: 1,
    unsupportedLink: 1,
    malformed: 1,
  });
  expect(stats.linkTypes).toEqual({ 1: 6, 276: 1, 101: 1, 4242: 1 });
  expect(stats.ipv4Fragments).toBe(2);
  expect(stats.firstFragmentFrame).toBe(3);
  expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
});

test('the first fragment is named by file and frame: numbers restart in each file of a rotation', () => {
  const stats = newDecodeStats();
  const tcp = { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 21 };
  decodeBytes(tcpFrame(tcp), { stats, number: 1, fileIndex: 0 });
  decodeBytes(tcpFrame({ ...tcp, ip: { mf: true } }), { stats, number: 7, fileIndex: 2 });
  decodeBytes(tcpFrame({ ...tcp, ip: { fragmentOffset: 8 } }), { stats, number: 3, fileIndex: 3 });
  expect([stats.firstFragmentFileIndex, stats.firstFragmentFrame]).toEqual([2, 7]);
});

test('result names', () => {
  expect(decodeResultName(DecodeResult.Tcp)).toBe('tcp');
  expect(decodeResultName(DecodeResult.UnsupportedLink)).toBe('unsupportedLink');
});
