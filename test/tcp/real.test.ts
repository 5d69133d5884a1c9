/**
 * Real captures (fixtures/real, recorded in network namespaces with their ground truth):
 * every completed transfer's size, as the server's transfer log states it, must be what
 * the TCP stage counts in sequence space (bytes seen + bytes missing), and what the stream
 * view covers (data + gaps). These captures have what synthetic ones lack: real loss and
 * reordering (lossy-large-curl), snaplen cuts, and the doubled packets of 'any' captures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ourStreams } from './tshark-follow.js';

const REAL = join(__dirname, '../../fixtures/real');

interface Truth {
  capture: { file: string };
  tls: boolean;
  transfers: Array<{ command: string; bytes: number | null; complete: boolean; dataConnected: boolean; dataPort: number }>;
}

const truths = readdirSync(REAL)
  .filter((name) => name.endsWith('.truth.json'))
  .map((name) => JSON.parse(readFileSync(join(REAL, name), 'utf8')) as Truth)
  // With TLS the wire carries records, not the file: its size is not the transfer's.
  .filter((truth) => !truth.tls)
  .filter((truth) => truth.transfers.some((transfer) => transfer.complete && transfer.dataConnected && transfer.bytes !== null));

describe('transfer sizes on real captures', () => {
  for (const truth of truths) {
    test(truth.capture.file, async () => {
      const streams = await ourStreams(join(REAL, truth.capture.file));
      for (const transfer of truth.transfers) {
        if (!transfer.complete || !transfer.dataConnected || transfer.bytes === null) continue;
        const stream = streams.find((candidate) => candidate.conn.server.port === transfer.dataPort || candidate.conn.client.port === transfer.dataPort);
        expect(stream, `${transfer.command} on port ${transfer.dataPort}`).toBeDefined();
        const { conn, text } = stream!;
        const direction = conn.stats[0].bytes > 0 ? 0 : 1;
        const stats = conn.stats[direction];
        const covered = text[direction].replace(/\[gap (\d+)\]/g, (_, length: string) => ' '.repeat(Number(length))).length;
        expect({ command: transfer.command, counted: stats.bytes + stats.missingBytes, covered }).toEqual({
          command: transfer.command,
          counted: transfer.bytes,
          covered: transfer.bytes,
        });
        expect(conn.stats[direction ^ 1]!.bytes).toBe(0);
      }
    });
  }
});
