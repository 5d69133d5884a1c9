/**
 * The stream view against tshark's "Follow TCP Stream": same bytes in both directions, and
 * a gap of the same size wherever tshark writes "[n bytes missing in capture file]". On
 * builder captures (loss, reordering, duplicates, wrap-around) and on the FTP captures of
 * ../shared/corpus. Skipped where tshark is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CaptureBuilder } from '../fixture/builder.js';
import { ourStreams, tsharkStreams, type FollowedStream, type OurStream } from './tshark-follow.js';
import { SHARED } from '../support/shared.js';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasTshark) console.warn('tshark not on PATH: skipping the tshark cross-check of the stream view');

const CORPUS = join(SHARED, 'corpus');
/** Captures where ftpcap differs from tshark on purpose. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'Ftp.pcap':
    'a spliced test file: its timestamps jump 16 years mid-connection, so the idle timeout ends the connection and the rest is a mid-stream pickup; ' +
    'its first two frames are IPv6 tunnelled in IPv4 (protocol 41), which the decoder does not open',
};

const scratch = mkdtempSync(join(tmpdir(), 'ftpcap-tcp-tshark-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function endpoint(address: string, port: number): string {
  return `${address}:${port}`;
}

/** Pairs tshark's streams with ours by endpoints, in order, and returns [ours as tshark orders the nodes, tshark's]. */
function pair(theirs: FollowedStream[], ours: OurStream[]): Array<[string[], string[], string]> {
  const used = new Set<OurStream>();
  return theirs.map((stream) => {
    const key = [...stream.nodes].sort().join(' ');
    const match = ours.find(
      (candidate) =>
        !used.has(candidate) &&
        [endpoint(candidate.conn.client.address, candidate.conn.client.port), endpoint(candidate.conn.server.address, candidate.conn.server.port)].sort().join(' ') === key,
    );
    if (!match) return [[], stream.text, key];
    used.add(match);
    const clientIsNode0 = endpoint(match.conn.client.address, match.conn.client.port) === stream.nodes[0];
    return [clientIsNode0 ? match.text : [match.text[1], match.text[0]], stream.text, key];
  });
}

async function compare(file: string): Promise<void> {
  const theirs = await tsharkStreams(file, 500);
  const ours = await ourStreams(file);
  for (const [mine, tsharks, key] of pair(theirs, ours)) {
    expect({ stream: key, text: mine }).toEqual({ stream: key, text: tsharks });
  }
}

describe.skipIf(!hasTshark)('stream view = tshark Follow TCP Stream', () => {
  test('builder capture: loss the peer ACKs, reordering, duplicates, wrap-around, IPv6', async () => {
    const cap = new CaptureBuilder();
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i} of the control channel\r\n`).join('');
    const a = cap.tcp({ client: '10.0.0.1:40000', server: '10.0.0.2:21', autoAck: true, clientIsn: 0xffff_ff00 });
    a.handshake();
    a.server('220 ready\r\n');
    // 14 segments: two lost, two swapped.
    a.client(lines, { segmentSize: 100, drop: [2, 5], order: [0, 1, 2, 3, 4, 5, 6, 7, 9, 8, 10, 11, 12, 13] });
    a.server('200 ok\r\n'.repeat(50), { segmentSize: 64, retransmit: true });
    a.close();
    const b = cap.tcp({ client: '[2001:db8::1]:40001', server: '[2001:db8::2]:2121', autoAck: true, serverIsn: 0xffff_fff0 });
    b.handshake();
    b.server('x'.repeat(5000), { segmentSize: 1000, reorder: true });
    b.client('done\r\n', { split: [2] });
    b.close('server');
    const file = join(scratch, 'builder.pcap');
    writeFileSync(file, cap.toPcap());
    await compare(file);
  });

  const corpusFiles = existsSync(CORPUS)
    ? walk(CORPUS).filter((path) => /ftp/i.test(path) && /\.pcap(ng)?$/.test(path) && statSync(path).size < 3e6)
    : [];
  for (const file of corpusFiles) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    (name in KNOWN_DIFFERENCES ? test.skip : test.concurrent)(`corpus: ${file.slice(CORPUS.length + 1)}`, () => compare(file));
  }
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
