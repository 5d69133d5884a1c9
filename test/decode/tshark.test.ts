/**
 * Cross-checks the decoders (and the encoders' checksums) against tshark on captures the
 * builder writes for every link type. Skipped where tshark is not installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { newFrame } from '../../src/capture/frame.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { DecodeResult, newDecodedPacket } from '../../src/decode/packet.js';
import { newDecodeStats } from '../../src/decode/stats.js';
import { CaptureBuilder, type CaptureBuilderOptions } from '../fixture/builder.js';
import { ALL_LINKS, arpFrame, udpFrame } from '../fixture/packet.js';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasTshark) console.warn('tshark not on PATH: skipping the tshark cross-check of the decoders');

const FIELDS = ['tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len', 'ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', '_ws.malformed'];

const run = promisify(execFile);

async function tshark(file: string): Promise<string[][]> {
  const args = ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-E', 'occurrence=f'];
  for (const field of FIELDS) args.push('-e', field);
  const { stdout } = await run('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  return stdout.split('\n').filter((line) => line.length > 0).map((line) => line.split('\t'));
}

/** What our decoder says about each frame, in tshark's first five columns. */
function ours(cap: CaptureBuilder): string[][] {
  const frame = newFrame();
  const pkt = newDecodedPacket();
  const stats = newDecodeStats();
  return cap.frames.map((raw, i) => {
    frame.buffer = raw.data;
    frame.start = 0;
    frame.capturedLength = raw.data.length;
    frame.linkType = raw.linkType;
    frame.number = i + 1;
    if (decodeFrame(frame, pkt, stats) !== DecodeResult.Tcp) return ['', '', '', '', ''];
    return [pkt.srcPort, pkt.dstPort, pkt.seq, pkt.ack, pkt.payloadLength].map(String);
  });
}

/** A short FTP-like exchange per IP version the link can carry, plus frames that are not TCP. */
function scenario(options: CaptureBuilderOptions): CaptureBuilder {
  const cap = new CaptureBuilder(options);
  const link = options.link ?? 'ethernet';
  const versions = link === 'ipv4' ? [4] : link === 'ipv6' ? [6] : [4, 6];
  for (const version of versions) {
    const [client, server] = version === 6 ? ['[2001:db8::1]:40000', '[2001:db8::2]:21'] : ['10.0.0.1:40000', '10.0.0.2:21'];
    const ctl = cap.tcp({ client, server, ts: true, sackPermitted: true, wscale: 7, autoAck: true, serverIsn: 0xfffffff0 });
    ctl.handshake();
    ctl.server('220 ready\r\n');
    ctl.client('USER anonymous\r\n', { split: [4] });
    ctl.server('331 password please\r\n', { retransmit: true });
    ctl.client('PASS secret\r\n', { reorder: true, split: [2, 6] });
    ctl.server('x'.repeat(3000));
    ctl.keepAlive('client');
    ctl.close();
    const [src, dst] = version === 6 ? ['2001:db8::1', '2001:db8::2'] : ['10.0.0.1', '10.0.0.2'];
    cap.push(udpFrame({ ...cap.link, src, dst, srcPort: 5000, dstPort: 33333, payload: 'q' }));
  }
  if (link === 'ethernet' || link === 'sll' || link === 'sll2') cap.push(arpFrame({ ...cap.link, senderIp: '10.0.0.1', targetIp: '10.0.0.2' }));
  return cap;
}

describe.skipIf(!hasTshark)('tshark agrees with the decoder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftpcap-tshark-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, CaptureBuilderOptions]> = ALL_LINKS.map((link) => [link, { link }]);
  cases.push(['ethernet QinQ, padded', { link: 'ethernet', pad: true, vlan: [{ tpid: 0x88a8, id: 100 }, { tpid: 0x8100, id: 200 }] }]);
  cases.push(['ethernet 0x9100', { link: 'ethernet', vlan: [{ tpid: 0x9100, id: 7 }] }]);
  cases.push(['sll 802.1Q', { link: 'sll', vlan: [{ tpid: 0x8100, id: 12 }] }]);
  cases.push(['ethernet snaplen 100', { link: 'ethernet', snaplen: 100 }]);

  // One tshark start-up costs about half a second: run them side by side.
  test.concurrent.each(cases)('%s', async (name, options) => {
    const cap = scenario(options);
    const file = join(dir, `${name.replace(/\W+/g, '-')}.pcap`);
    writeFileSync(file, cap.toPcap());
    const theirs = await tshark(file);
    expect(theirs.length).toBe(cap.frames.length);
    expect(theirs.map((row) => row.slice(0, 5))).toEqual(ours(cap));
    // Checksums: 1 = good in tshark's status fields; empty where the protocol has none.
    // Frames cut by the snaplen cannot have their TCP checksum verified (2 = unverified).
    const good = options.snaplen ? ['1', '2', ''] : ['1', ''];
    for (const row of theirs) {
      expect(good).toContain(row[5]);
      expect(good).toContain(row[6]);
      expect(good).toContain(row[7]);
      expect(row[8], 'tshark found a malformed packet').toBe('');
    }
  });

  test.concurrent('pcapng with SLL2 reads the same', async () => {
    const cap = scenario({ link: 'sll2' });
    const file = join(dir, 'sll2.pcapng');
    writeFileSync(file, cap.toPcapng());
    expect((await tshark(file)).map((row) => row.slice(0, 5))).toEqual(ours(cap));
  });
});
