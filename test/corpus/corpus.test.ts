/**
 * The public captures in ../shared/corpus (Zeek, Suricata, nDPI, Arkime, ... test
 * traces): every one is analyzed without a crash, and where Zeek's expected ftp.log sits
 * beside a capture, every (command, reply code) Zeek logged is among ftpcap's commands.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { SHARED } from '../support/shared.js';
import { captureFiles, walkFiles } from '../support/captures.js';
import { renderZeek } from '../../src/report/zeek.js';

const CORPUS = join(SHARED, 'corpus');
const present = existsSync(CORPUS);

const captures = present ? captureFiles(CORPUS) : [];

const options = { controlPorts: [21], helper: { ports: [21], loose: false, kernel: '6.18' as const } };

describe.skipIf(!present)('every corpus capture is analyzed', () => {
  if (!present) it.skip('../shared/corpus is absent', () => {});
  for (const path of captures) {
    it(path.slice(CORPUS.length + 1), async () => {
      const analysis = await analyze([path], options);
      expect(analysis.capture.frames).toBeGreaterThan(0);
      for (const error of analysis.errors) expect(error.message).toMatch(/ at byte offset \d+$/);
    });
  }
});

/** Zeek's ftp.log rows as (command, reply code) pairs. */
function zeekPairs(log: string): string[] {
  const lines = log.split('\n');
  const fields = lines.find((line) => line.startsWith('#fields'))!.split('\t').slice(1);
  const command = fields.indexOf('command');
  const reply = fields.indexOf('reply_code');
  return lines
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split('\t'))
    .filter((row) => row[reply] !== '-')
    .map((row) => `${row[command]} ${row[reply]}`);
}

/**
 * Pairs Zeek logs that the wire contradicts (checked frame by frame with tshark). ftpcap
 * keeps the pairing the bytes show; each entry says why Zeek differs.
 */
const ZEEK_MISPAIRS: Record<string, { pairs: string[]; why: string }> = {
  'fake-long-commands.pcap': {
    pairs: ['SYST 200', 'PASV 215'],
    why: 'Zeek drops commands over its 100-byte cap (TYPEEE…, SYSTTT…) but not their replies, so it pairs SYST with the 200 for TYPEEE… and PASV with the 215 for SYSTTT…; ftpcap pairs SYST 215, PASV 227',
  },
  'ftp-invalid-reply-code.pcap': {
    pairs: ['PASV 230'],
    why: '"99 PASV invalid" has no valid code; Zeek logs PASV with the previous 230 again, ftpcap records the invalid line as its answer',
  },
  'ftp-missing-reply-code.pcap': {
    pairs: ['SYST 230'],
    why: '"SYST not supported" has no code; Zeek logs SYST with the previous 230 again, ftpcap records the line as its answer',
  },
  'cwd-navigation.pcap': {
    pairs: ['PASV 226'],
    why: 'the capture lost two RETR commands (e.g. client bytes 3387-3413 after the PASV in frame 713); the 150/226 in frames 715/717 answer the lost RETR, and Zeek, which has no RETR pending, logs them against the PASV; ftpcap keeps PASV 227 and the 226 as a reply to a lost command',
  },
  'ipv6-multiline-reply.pcap': {
    pairs: ['RETR 221'],
    why: 'the server answers RETR with 550 (frame 44) and later sends an unsolicited 221 (frame 47); Zeek keeps RETR pending and logs it with the 221',
  },
};

const zeekLogs = present ? walkFiles(CORPUS).filter((path) => /\.zeek-expected\..*ftp\.log$/.test(path)) : [];

describe.skipIf(!present)("Zeek's ftp.log commands are all found", () => {
  if (!present) it.skip('../shared/corpus is absent', () => {});
  for (const log of zeekLogs) {
    const capture = log.slice(0, log.indexOf('.zeek-expected.'));
    it(log.slice(CORPUS.length + 1), async () => {
      const analysis = await analyze([capture], options);
      const ours = new Set(analysis.sessions.flatMap((session) => [
        // Zeek logs the greeting as the pseudo-command <init>.
        ...(session.greeting ? [`<init> ${session.greeting.code}`] : []),
        ...session.commands.map((command) => `${command.command} ${command.reply?.code ?? '-'}`),
      ]));
      const known = ZEEK_MISPAIRS[capture.slice(capture.lastIndexOf('/') + 1)]?.pairs ?? [];
      const missing = zeekPairs(readFileSync(log, 'utf8')).filter((pair) => !ours.has(pair) && !known.includes(pair));
      expect(missing).toEqual([]);
    });
  }
});

describe.skipIf(!present)("ftpcap's zeek output has Zeek's own ftp.log header", () => {
  if (!present) it.skip('../shared/corpus is absent', () => {});
  it('#fields and #types equal those of the Zeek baselines', async () => {
    const header = (text: string, tag: string) => text.split('\n').find((line) => line.startsWith(`${tag}\t`));
    const baseline = readFileSync(zeekLogs[0]!, 'utf8');
    const capture = zeekLogs[0]!.slice(0, zeekLogs[0]!.indexOf('.zeek-expected.'));
    const ours = renderZeek(await analyze([capture], options));
    expect(header(ours, '#fields')).toBe(header(baseline, '#fields'));
    expect(header(ours, '#types')).toBe(header(baseline, '#types'));
  });
});
