/**
 * Sessions settle (are reported and let go) during the trace once they and their data
 * connections have been quiet for a while. Settling early must change nothing in the
 * report: every capture analyzed both ways gives the same Analysis.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Analysis } from '../../src/analysis.js';
import { SessionSettler, SETTLE_AFTER_SECONDS, type SettleHooks } from '../../src/ftp/settle.js';
import type { SessionRecord } from '../../src/ftp/model.js';
import type { Connection } from '../../src/tcp/types.js';
import { CaptureBuilder } from '../fixture/builder.js';
import { analyzeBytes } from '../support/analyze-capture.js';
import { captureFiles } from '../support/captures.js';
import { withLateClock } from '../support/late-clock.js';
import { SHARED } from '../support/shared.js';

const ROOT = join(__dirname, '../..');

function connection(id: number, client: string, server: string, firstTime: number, lastTime = firstTime): Connection {
  return {
    id, client: { ipVersion: 4, address: client, port: 40000 + id }, server: { ipVersion: 4, address: server, port: id === 1 ? 21 : 20000 + id },
    firstTime, lastTime,
  } as Connection;
}

function session(id: number, control: Connection): SessionRecord {
  return { id, connection: control } as SessionRecord;
}

/** A settler whose settled sessions are listed, with the look-alikes each was given. */
function recorder(canSettle: SettleHooks['canSettle'] = () => true): { settler: SessionSettler; settled: [number, number[]][] } {
  const settled: [number, number[]][] = [];
  const settler = new SessionSettler({ canSettle, settle: (record, lookalikes) => settled.push([record.id, lookalikes.map((c) => c.id)]) });
  return { settler, settled };
}

describe('SessionSettler', () => {
  it('settles an ended session once it has been quiet long enough, not before', () => {
    const { settler, settled } = recorder();
    const control = connection(1, '10.0.0.1', '10.0.0.2', 100, 110);
    const s = session(1, control);
    settler.started(s);
    settler.tick(200);
    settler.ended(s);
    settler.tick(110 + SETTLE_AFTER_SECONDS - 1);
    expect(settled).toEqual([]);
    settler.tick(110 + SETTLE_AFTER_SECONDS);
    expect(settled).toEqual([[1, []]]);
    expect(settler.live).toBe(0);
  });

  it('waits for the data connections it claimed, and counts their last packet as activity', () => {
    const { settler, settled } = recorder();
    const control = connection(1, '10.0.0.1', '10.0.0.2', 100, 110);
    const data = connection(2, '10.0.0.2', '10.0.0.1', 105, 105);
    const s = session(1, control);
    settler.started(s);
    settler.claimed(s, data);
    settler.ended(s);
    settler.tick(1000);
    expect(settled).toEqual([]);
    data.lastTime = 900;
    settler.connectionEnded(data);
    settler.tick(900 + SETTLE_AFTER_SECONDS - 1);
    expect(settled).toEqual([]);
    settler.tick(900 + SETTLE_AFTER_SECONDS);
    expect(settled).toEqual([[1, []]]);
  });

  it('gives an unclaimed connection between its hosts to the first live session it could be data of', () => {
    const { settler, settled } = recorder();
    const first = session(1, connection(1, '10.0.0.1', '10.0.0.2', 100, 110));
    const second = session(2, connection(3, '10.0.0.1', '10.0.0.2', 105, 120));
    settler.started(first);
    settler.started(second);
    // Within 60 s of the first session's end: the first one's, and it waits for it.
    const lookalike = connection(4, '10.0.0.2', '10.0.0.1', 150, 150);
    // Other hosts: nobody's.
    settler.opened(connection(5, '10.0.0.9', '10.0.0.2', 150));
    settler.opened(lookalike);
    settler.ended(first);
    settler.ended(second);
    settler.tick(120 + SETTLE_AFTER_SECONDS);
    expect(settled).toEqual([[2, []]]);
    settler.connectionEnded(lookalike);
    settler.tick(150 + SETTLE_AFTER_SECONDS);
    expect(settled).toEqual([[2, []], [1, [4]]]);
  });

  it('holds a session while the caller says no, and settles the rest by id at the end', () => {
    let allow = false;
    const { settler, settled } = recorder(() => allow);
    const sessions = [3, 1, 2].map((id) => session(id, connection(id, `10.0.${id}.1`, '10.0.0.2', 100, 100)));
    for (const s of [...sessions].sort((a, b) => a.id - b.id)) settler.started(s);
    settler.ended(sessions[0]!);
    settler.tick(500);
    expect(settled).toEqual([]);
    allow = true;
    // Checked at most once per trace second.
    settler.tick(500.5);
    expect(settled).toEqual([]);
    settler.tick(501);
    expect(settled).toEqual([[3, []]]);
    settler.finish();
    expect(settled.map(([id]) => id)).toEqual([3, 1, 2]);
  });

  it('finish() settles what is left by id, look-alikes and all, however many share their hosts', () => {
    const { settler, settled } = recorder();
    const sessions: SessionRecord[] = [];
    // 300 sessions, a third of them between the same two hosts, each with a look-alike opened while it lived.
    for (let id = 1; id <= 300; id++) {
      const client = id % 3 === 0 ? '10.0.0.1' : `10.1.${id >> 8}.${id & 255}`;
      const s = session(id, connection(id, client, '192.0.2.1', 100 + id, 1000));
      sessions.push(s);
      settler.started(s);
    }
    for (let id = 1; id <= 300; id++) settler.opened(connection(1000 + id, '192.0.2.1', sessions[id - 1]!.connection.client.address, 100 + id + 0.5));
    for (const s of sessions.slice(0, 150)) settler.ended(s);
    settler.tick(2000);
    // Between shared hosts, every look-alike went to the first live session it could be data
    // of: the others of the 150 ended wait for nothing and settle now, the rest at the end, by id.
    const shared = sessions.filter((s) => s.id % 3 === 0).map((s) => 1000 + s.id);
    const early = sessions.filter((s) => s.id <= 150 && s.id % 3 === 0 && s.id !== 3);
    expect(settled).toEqual(early.map((s) => [s.id, []]));
    settler.finish();
    expect(settled.slice(early.length)).toEqual(sessions.filter((s) => !early.includes(s))
      .map((s) => [s.id, s.id % 3 !== 0 ? [1000 + s.id] : s.id === 3 ? shared : []]));
    expect(settler.live).toBe(0);
    // Nothing is left to claim a connection opened after the end.
    settler.opened(connection(2000, '192.0.2.1', '10.0.0.1', 1500));
    expect(settled).toHaveLength(300);
  });

  it('with Infinity settles nothing before finish()', () => {
    const settled: number[] = [];
    const settler = new SessionSettler({ canSettle: () => true, settle: (record) => settled.push(record.id) }, Infinity);
    const s = session(1, connection(1, '10.0.0.1', '10.0.0.2', 100, 100));
    settler.started(s);
    settler.ended(s);
    settler.tick(1e9);
    expect(settled).toEqual([]);
    settler.finish();
    expect(settled).toEqual([1]);
  });
});

const captures = [
  ...captureFiles(join(ROOT, 'fixtures')),
  ...captureFiles(join(SHARED, 'corpus')),
].filter((path) => withLateClock(readFileSync(path)) !== null);

describe('settling early changes nothing in the report', () => {
  afterEach(() => vi.restoreAllMocks());

  it('finds classic pcaps to check', () => {
    expect(captures.length).toBeGreaterThan(10);
  });

  let settledEarly = 0;
  for (const path of captures) {
    it(path.slice(path.indexOf(path.includes('/corpus/') ? '/corpus/' : '/fixtures/') + 1), async () => {
      const bytes = withLateClock(readFileSync(path))!;
      const endOfTrace = SessionSettler.prototype.endOfTrace;
      let leftAtFinish = 0;
      vi.spyOn(SessionSettler.prototype, 'endOfTrace').mockImplementation(function (this: SessionSettler) {
        leftAtFinish = this.live;
        endOfTrace.call(this);
      });
      const early = await analyzeBytes(bytes);
      settledEarly += early.sessions.length - leftAtFinish;
      const late = await analyzeBytes(bytes, { settleAfterSeconds: Infinity });
      expect(leftAtFinish).toBe(late.sessions.length);
      expect(text(early)).toEqual(text(late));
      // The same sessions through a sink, each read while it is handed over.
      const sunk: string[] = [];
      const viaSink = await analyzeBytes(bytes, { onSession: (session, findings) => sunk.push(JSON.stringify({ session, findings })) });
      expect(viaSink.sessions).toEqual([]);
      expect(sunk.map((entry) => JSON.parse(entry)).sort((a, b) => a.session.id - b.session.id)).toEqual(
        JSON.parse(JSON.stringify(late.sessions.map((session) => ({ session, findings: late.findings.filter((finding) => finding.session === session.id) })))));
      expect(text({ ...viaSink, sessions: late.sessions })).toEqual(text(late));
    });
  }

  it('settled sessions early in those captures', () => {
    expect(settledEarly).toBeGreaterThan(20);
  });
});

describe('the cap on listed commands, with a sink', () => {
  it('counts the commands held at once: a reported session gives its room to later ones', async () => {
    // Three sessions of three commands, ten minutes apart: each settles before the next starts.
    const cap = new CaptureBuilder({ startTime: 1_700_000_000 });
    for (const port of [51000, 51001, 51002]) {
      const ctl = cap.tcp({ client: `192.0.2.10:${port}`, server: '198.51.100.20:21', autoAck: true });
      ctl.handshake();
      ctl.server('220 ready\r\n');
      for (const [command, reply] of [['USER alice', '331 Password required'], ['PASS x', '230 In'], ['QUIT', '221 Bye']]) {
        ctl.client(`${command}\r\n`);
        ctl.server(`${reply}\r\n`);
      }
      ctl.close('client');
      cap.wait(600);
    }
    const listed: number[] = [];
    const analysis = await analyzeBytes(cap.toPcap(), { maxListedCommands: 4, onSession: (session) => listed.push(session.commands.length) });
    expect(listed).toEqual([3, 3, 3]);
    expect(analysis.findings.filter((finding) => finding.code === 'ftp.capture.commands-not-listed')).toEqual([]);
    // Kept whole until the end, the same trace runs past the cap.
    const kept = await analyzeBytes(cap.toPcap(), { maxListedCommands: 4 });
    expect(kept.sessions.map((session) => session.commands.length)).toEqual([3, 1, 0]);
  });
});

function text(analysis: Analysis): string {
  return JSON.stringify(analysis);
}
