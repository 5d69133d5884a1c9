/**
 * The JSON renderers write sessions, commands, connections and findings as text by hand
 * (json.ts): that text must be exactly JSON.stringify of the object forms (sessionJson and
 * the like), member order and left-out members included. Checked on every fixture, on a
 * built capture full of strings JSON must escape, in a run of several files (frame
 * references with `file`), and on hand-made reports for what no capture can produce.
 * Also: forEachCommand shows what session.commands holds, and isoSeconds writes what
 * Date#toISOString does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis, CommandReport, ReplyReport, SessionReport } from '../../src/analysis.js';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import { forEachCommand, responseTime } from '../../src/ftp/summary.js';
import { isoSeconds, isoTime } from '../../src/report/format.js';
import {
  commandJson,
  commandText,
  connectionJson,
  connectionText,
  findingJson,
  findingText,
  renderJson,
  renderNdjson,
  sessionJson,
  sessionText,
  writeSession,
} from '../../src/report/json.js';
import { TextBuilder } from '../../src/report/text-builder.js';
import { CaptureBuilder } from '../fixture/builder.js';
import { filePaths, findingsBySession } from '../../src/report/session-texts.js';
import { captureFiles } from '../support/captures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPTIONS: AnalyzeOptions = { controlPorts: [21], helper: { ports: [21], loose: false, kernel: '6.18' } };
const dir = mkdtempSync(join(tmpdir(), 'ftpcap-json-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every hand-written text of an analysis equals JSON.stringify of its object form. */
function expectTextsMatchObjects(analysis: Analysis): void {
  const sessionFindings = findingsBySession(analysis);
  const files = filePaths(analysis);
  for (const session of analysis.sessions) {
    const findings = sessionFindings.get(session.id) ?? [];
    const object = sessionJson(session, findings, files) as { transfers: unknown };
    expect(sessionText(session, findings, files)).toBe(JSON.stringify(object));
    const { transfers: _transfers, ...record } = object;
    expect(sessionText(session, findings, files, 'record')).toBe(JSON.stringify({ type: 'session', ...record }));
    for (const command of session.commands) expect(commandText(command, files)).toBe(JSON.stringify(commandJson(command, files)));
  }
  for (const connection of analysis.connections) expect(connectionText(connection, files)).toBe(JSON.stringify(connectionJson(connection, files)));
  for (const finding of analysis.findings) expect(findingText(finding, files)).toBe(JSON.stringify(findingJson(finding, files)));
}

/** The commands forEachCommand shows, copied out of its reused view. */
function shownCommands(session: SessionReport): CommandReport[] {
  const shown: CommandReport[] = [];
  const copyReply = (reply: ReplyReport): ReplyReport => ({ code: reply.code, text: reply.text, fileIndex: reply.fileIndex, frame: reply.frame, responseTime: reply.responseTime });
  forEachCommand(session, (command) => {
    shown.push({
      fileIndex: command.fileIndex,
      frame: command.frame,
      frames: command.frames,
      time: command.time,
      command: command.command,
      argument: command.argument,
      reply: command.reply === null ? null : copyReply(command.reply),
      preliminary: command.preliminary.map(copyReply),
      invalidReply: command.invalidReply,
    });
  });
  return shown;
}

/** A control session whose lines hold quotes, backslashes, control characters and non-ASCII text, some split over frames. */
function trickyCapture(startTime: number, clientPort: number): Uint8Array {
  const cap = new CaptureBuilder({ startTime });
  const ctl = cap.tcp({ client: `10.0.0.1:${clientPort}`, server: '10.0.0.2:21' });
  ctl.handshake();
  ctl.server('220 "quoted" \\ backslash \x01 ctl \x7f del\r\n');
  ctl.client('USER "anna\\"\r\n');
  ctl.server('331 Passwort für "anna" — bitte\r\n');
  ctl.client('PASS geheim\r\n');
  ctl.server('230 Willkommen 中文 😀\r\n');
  ctl.client('CWD /tmp/"a\\b"\tc\r\n', { split: [4, 9] });
  ctl.server('250 ok\r\n', { split: [3] });
  ctl.client('MKD d\x02ir\r\n');
  ctl.server('257-"/d\x02ir" created\r\n257 done\r\n');
  ctl.client('SIZE ü\r\n');
  ctl.server('550 nö\r\n');
  ctl.client('PORT 10,0,0,1,4,1\r\n');
  ctl.server('200 PORT ok\r\n');
  ctl.client('NLST\r\n');
  ctl.server('150 opening\r\n');
  ctl.server('226 "done"\r\n');
  ctl.client('QUIT\r\n');
  ctl.server('221 bye\r\n');
  ctl.close();
  return cap.toPcap();
}

describe('hand-written JSON text', () => {
  it.each(captureFiles(join(ROOT, 'fixtures')).map((path) => [path.slice(ROOT.length)]))('matches the object form: %s', async (path) => {
    expectTextsMatchObjects(await analyze([join(ROOT, path)], OPTIONS));
  });

  it('matches the object form for strings JSON escapes and commands split over frames', async () => {
    const path = join(dir, 'tricky.pcap');
    writeFileSync(path, trickyCapture(1700000000, 40000));
    const analysis = await analyze([path], OPTIONS);
    const commands = analysis.sessions[0]!.commands;
    expect(commands.some((command) => command.frames.length > 1)).toBe(true);
    expect(commands.some((command) => /["\\\t]/.test(command.argument))).toBe(true);
    expect(analysis.sessions[0]!.greeting?.text).toContain('\x01');
    expectTextsMatchObjects(analysis);
  });

  it('matches the object form in one builder reused from session to session, as the CLI writes them (kept pieces)', async () => {
    // Sessions of NOOPs answered after delays that recur (so the builder keeps and reuses their pieces) and that do not.
    const cap = new CaptureBuilder({ startTime: 1700000000 });
    const delays = [0.0001, 0.0001, 0.25, 0.0001, 0.000123, 0.25, 1.5, 0.0001];
    for (let index = 0; index < 6; index++) {
      const ctl = cap.tcp({ client: `10.0.0.${index + 1}:${41000 + index}`, server: '10.0.0.200:21' });
      ctl.handshake();
      ctl.server('220 hi\r\n');
      for (const [n, delay] of delays.entries()) {
        ctl.client(n % 3 === 0 ? 'NOOP\r\n' : `SIZE f${n % 2}\r\n`);
        cap.wait(delay * (index % 2 === 0 ? 1 : 2));
        ctl.server(n % 3 === 0 ? '200 NOOP ok.\r\n' : '213 42\r\n');
        cap.wait(0.01);
      }
      ctl.close();
    }
    const path = join(dir, 'recurring.pcap');
    writeFileSync(path, cap.toPcap());
    const analysis = await analyze([path], OPTIONS);
    expect(analysis.sessions.length).toBe(6);
    const files = filePaths(analysis);
    const findings = findingsBySession(analysis);
    const out = new TextBuilder(64);
    for (const round of [0, 1]) {
      for (const session of analysis.sessions) {
        const own = findings.get(session.id) ?? [];
        writeSession(out.reset(), session, own, files);
        expect(out.toString(), `round ${round}, session ${session.id}`).toBe(JSON.stringify(sessionJson(session, own, files)));
      }
    }
  });

  it('matches the object form with several files (file and lastFile members)', async () => {
    const first = join(dir, 'first.pcap');
    const second = join(dir, 'second "file" \\.pcap');
    writeFileSync(first, trickyCapture(1700000000, 40001));
    writeFileSync(second, trickyCapture(1700000100, 40002));
    const analysis = await analyze([first, second], OPTIONS);
    expect(analysis.sessions.length).toBe(2);
    expectTextsMatchObjects(analysis);
    expect(renderJson(analysis)).toContain('"file":"');
    // The documents parse, and a session line of ndjson is the document's session with `type`.
    const document = JSON.parse(renderJson(analysis)) as { sessions: { transfers: unknown }[] };
    const sessionLines = renderNdjson(analysis).trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string }).filter((line) => line.type === 'session');
    expect(sessionLines).toEqual(document.sessions.map(({ transfers: _transfers, ...session }) => ({ type: 'session', ...session })));
  });

  it('matches the object form for reports no capture produces: lone surrogates, NaN, invalid replies, 1xx replies', () => {
    const reply = (code: number, text: string, responseTime: number | null): ReplyReport => ({ code, text, fileIndex: 1, frame: 7, responseTime });
    const command: CommandReport = {
      fileIndex: 0,
      frame: 5,
      frames: [5, 6, 9],
      time: 1700000000.5,
      command: 'RETR',
      argument: 'a\ud800b\udc00 "x" \\ \u2028 \u0000 😀',
      reply: reply(226, 'done \udfff', Number.NaN),
      preliminary: [reply(150, 'opening', 0.25), reply(125, '', Number.POSITIVE_INFINITY)],
      invalidReply: '',
    };
    const session: SessionReport = {
      id: 3,
      connection: 4,
      client: '[::1]:40000',
      server: '[::1]:21',
      evidence: 'port',
      fileIndex: 1,
      firstFrame: 1,
      lastFileIndex: 5,
      lastFrame: 99,
      start: { sec: 1700000000, nsec: 5 },
      end: { sec: 1700000001, nsec: 999999999 },
      user: 'ü\n',
      password: null,
      login: null,
      tls: { fileIndex: 0, frame: 12, how: 'auth-tls' },
      greeting: null,
      commands: [command, { ...command, frames: [5], reply: null, preliminary: [], invalidReply: null }],
      commandCount: 2,
      unsolicited: [reply(421, 'bye "now"', null)],
      setups: [],
      transfers: [],
      cwd: '/"x"',
    };
    const analysis = {
      capture: { files: [{ path: 'a.pcap' }, { path: 'b "c".pcap' }] },
      connections: [],
      sessions: [session],
      findings: [{ code: 'x.y', severity: 'note', message: 'm "q" \\', frames: [{ fileIndex: 1, frame: 3 }, { fileIndex: 8, frame: 4 }], session: 3, connection: 4 }],
    } as unknown as Analysis;
    expect(forEachCommandCount(session)).toBe(2);
    expectTextsMatchObjects(analysis);
  });
});

function forEachCommandCount(session: SessionReport): number {
  let count = 0;
  forEachCommand(session, () => count++);
  return count;
}

describe('forEachCommand', () => {
  it('shows each session the commands session.commands holds', async () => {
    const path = join(dir, 'commands.pcap');
    writeFileSync(path, trickyCapture(1700000000, 40003));
    for (const fixture of [path, ...captureFiles(join(ROOT, 'fixtures'))]) {
      const analysis = await analyze([fixture], OPTIONS);
      for (const session of analysis.sessions) expect(shownCommands(session)).toEqual(session.commands);
    }
  });

  it('gives plain commands to visitPlain as their records, in order with the others, as session.commands holds them', async () => {
    let plain = 0;
    for (const fixture of captureFiles(join(ROOT, 'fixtures'))) {
      const analysis = await analyze([fixture], OPTIONS);
      for (const session of analysis.sessions) {
        const shown: CommandReport[] = [];
        forEachCommand(session, (command) => shown.push(shownCommands({ ...session, commands: [command] } as SessionReport)[0]!), (command) => {
          plain++;
          // One frame, a final reply in one frame, nothing else.
          expect(command.frameNumbers().length).toBeLessThanOrEqual(1);
          expect(command.preliminary).toHaveLength(0);
          expect(command.invalidReply).toBeNull();
          const reply = command.reply;
          shown.push({ fileIndex: command.fileIndex, frame: command.frame, frames: command.frameNumbers(), time: command.time, command: command.command,
            argument: command.argument, preliminary: [], invalidReply: null,
            reply: { code: reply.code, text: reply.text, fileIndex: reply.fileIndex, frame: reply.frame, responseTime: responseTime(reply, command.time) } });
        });
        expect(shown).toEqual(session.commands);
      }
    }
    expect(plain).toBeGreaterThan(10);
  });
});

describe('isoSeconds', () => {
  const reference = (sec: number): string => new Date(sec * 1000).toISOString().slice(0, 19);

  it('writes what Date#toISOString does', () => {
    const edges = [0, 1, 59, 60, 3599, 3600, 86399, 86400, 951782400, 951868799, 951868800, 4107542400, 1700000000, 253402300799];
    // Around the ends of months and years (leap years and 2100, which is not one), and random seconds to year 9999.
    const days = Array.from({ length: 4000 }, (_, index) => index * 733);
    const random = Array.from({ length: 20000 }, () => Math.floor(Math.random() * 253402300800));
    for (const sec of [...edges, ...days.flatMap((day) => [day * 86400, day * 86400 - 1]).filter((sec) => sec >= 0), ...random]) {
      expect(isoSeconds(sec)).toBe(reference(sec));
    }
  });

  it('falls back to Date outside years 0000-9999 and for fractions', () => {
    for (const sec of [-1, -86401, 253402300800, 1.5]) expect(isoSeconds(sec)).toBe(reference(sec));
    expect(isoTime({ sec: 1700000000, nsec: 42 })).toBe('2023-11-14T22:13:20.000000042Z');
    expect(isoTime(null)).toBeNull();
  });
});
