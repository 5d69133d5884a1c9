/**
 * Stream view against tshark's "Follow TCP Stream" on real captures: same bytes in both
 * directions, and gaps where tshark says "[n bytes missing in capture file]".
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readCaptures } from '../../src/capture/index.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { DecodeResult, newDecodedPacket } from '../../src/decode/packet.js';
import { newDecodeStats } from '../../src/decode/stats.js';
import { ConnectionTable } from '../../src/tcp/table.js';
import type { Connection } from '../../src/tcp/types.js';

const run = promisify(execFile);

export interface FollowedStream {
  /** "addr:port" of tshark's node 0 (first packet's source) and node 1. */
  nodes: [string, string];
  /** Bytes per node, gaps written as [gap n]. */
  text: [string, string];
}

const MISSING = /^\[(\d+) bytes missing in capture file\]\x00?/;

/** tshark's follow output for the first `limit` streams, as latin1 text per node. */
export async function tsharkStreams(file: string, limit: number): Promise<FollowedStream[]> {
  const { stdout: fields } = await run('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.stream'], { maxBuffer: 1 << 28 });
  const count = Math.min(limit, fields.split('\n').reduce((max, line) => (line === '' ? max : Math.max(max, Number(line) + 1)), 0));
  if (count === 0) return [];
  const args = ['-r', file, '-q'];
  for (let i = 0; i < count; i++) args.push('-z', `follow,tcp,raw,${i}`);
  const { stdout } = await run('tshark', args, { maxBuffer: 1 << 28, encoding: 'latin1' });
  const streams: FollowedStream[] = [];
  let current: FollowedStream | null = null;
  for (const line of stdout.split('\n')) {
    const node = /^Node ([01]): (.*)$/.exec(line);
    if (line.startsWith('Filter:')) {
      current = { nodes: ['', ''], text: ['', ''] };
      streams.push(current);
    } else if (node && current) {
      current.nodes[Number(node[1])] = node[2]!.replace(/^\[(.*)\]:(\d+)$/, '$1:$2');
    } else if (current && /^\t?[0-9a-f]+$/.test(line)) {
      const side = line.startsWith('\t') ? 1 : 0;
      let text = Buffer.from(line.trim(), 'hex').toString('latin1');
      for (let m = MISSING.exec(text); m; m = MISSING.exec(text)) text = `[gap ${m[1]}]` + text.slice(m[0].length);
      current.text[side] += text.replace(/\[(\d+) bytes missing in capture file\]\x00?/g, '[gap $1]');
    }
  }
  return streams;
}

export interface OurStream {
  conn: Connection;
  text: [string, string];
}

/** Every connection's stream view, as latin1 text per direction (client first). */
export async function ourStreams(file: string): Promise<OurStream[]> {
  const streams: OurStream[] = [];
  const table = new ConnectionTable((conn) => {
    const stream: OurStream = { conn, text: ['', ''] };
    streams.push(stream);
    return {
      stream(_conn, direction, buffer, start, end) {
        stream.text[direction] += Buffer.from(buffer.buffer, buffer.byteOffset + start, end - start).toString('latin1');
      },
      gap(_conn, direction, length) {
        stream.text[direction] += `[gap ${length}]`;
      },
    };
  });
  const pkt = newDecodedPacket();
  const stats = newDecodeStats();
  await readCaptures([file], (frame) => {
    if (decodeFrame(frame, pkt, stats) === DecodeResult.Tcp) table.add(frame, pkt);
  });
  table.finish();
  return streams;
}
