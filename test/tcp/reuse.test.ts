/**
 * The table reuses the objects of released connections for new ones: a connection must
 * behave exactly as it does in a table that never held another one, whatever state the
 * earlier connection left behind (out-of-order runs, gaps, differing retransmissions, a FIN,
 * window scaling, roles flipped by a greeting).
 */
import { describe, expect, test } from 'vitest';
import type { ConnectionTable } from '../../src/tcp/table.js';
import { CaptureBuilder } from '../fixture/builder.js';
import { Recorder, run } from './helpers.js';

/** One busy control connection and a mid-stream pickup whose roles flip; returns their frame indices. */
function busyPair(cap: CaptureBuilder, clientPort: number, pickupPort: number): Set<number> {
  const from = cap.frames.length;
  const ctl = cap.tcp({ client: `10.0.0.1:${clientPort}`, server: '10.0.0.2:21', wscale: 7 });
  ctl.handshake();
  ctl.server('220 ready\r\n', { split: [3], reorder: true });
  ctl.client('USER anonymous\r\n', { split: [5], order: [1] });
  ctl.client('XXXXXXXXXXX', { seqOffset: -11 });
  ctl.client('LIST\r\n', { split: [2], retransmit: true });
  ctl.client('a'.repeat(1000) + 'b'.repeat(1000) + 'c'.repeat(1000), { segmentSize: 1000, drop: [1] });
  ctl.server('150 here\r\n');
  ctl.close();
  // No SYN, and no telling port: the higher port is the client until its greeting says otherwise.
  const pickup = cap.tcp({ client: `10.0.0.3:${pickupPort}`, server: '10.0.0.4:50000' });
  pickup.server('220 hello\r\n');
  pickup.client('USER x\r\n', { seqOffset: 4 });
  pickup.rst('client');
  const indices = new Set<number>();
  for (let index = from; index < cap.frames.length; index++) indices.add(index);
  return indices;
}

/** What a consumer saw of the connections, with ids replaced by their order among these. */
function seen(table: ConnectionTable, rec: Recorder, skip: number) {
  const ids = new Map(rec.connections.slice(skip).map((conn, index) => [conn.id, index]));
  const renumber = (text: string) => text.replace(/connection (\d+)/g, (_, id: string) => `connection #${ids.get(Number(id))}`);
  return {
    connections: rec.connections.slice(skip).map((conn) => ({ ...conn, id: ids.get(conn.id), observer: null })),
    events: rec.events.filter((event) => ids.has(event.connection)).map((event) => ({ ...event, connection: ids.get(event.connection) })),
    segments: rec.segments.filter((segment) => ids.has(segment.connection)).map((segment) => ({ ...segment, connection: ids.get(segment.connection) })),
    findings: table.findings
      .filter((finding) => finding.connection !== undefined && ids.has(finding.connection))
      .map((finding) => ({ ...finding, connection: ids.get(finding.connection!), message: renumber(finding.message) })),
  };
}

describe('released connections reused', () => {
  test('a connection after a released one is seen as in a table of its own', () => {
    const cap = new CaptureBuilder();
    busyPair(cap, 40000, 40001);
    // Past the closed-connection timeout: the first two are released before the next two start.
    cap.wait(120);
    const later = busyPair(cap, 40002, 40003);
    const shared = run(cap.frames);
    const alone = run(cap.frames, { only: (index) => later.has(index) });
    expect(shared.rec.connections).toHaveLength(4);
    expect(alone.rec.connections).toHaveLength(2);
    const expected = seen(alone.table, alone.rec, 0);
    expect(expected.findings.length).toBeGreaterThan(0);
    expect(expected.events.some((event) => event.type === 'gap')).toBe(true);
    expect(expected.connections[1]!.roleEvidence).toBe('greeting');
    expect(seen(shared.table, shared.rec, 2)).toEqual(expected);
  });
});
