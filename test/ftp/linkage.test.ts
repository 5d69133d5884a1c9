/**
 * The linker's choice of setup for a new connection, against a plain reading of the rule
 * (linkage.ts): the highest score wins, the newest setup among equals; exact endpoint from
 * the host that should connect 4, exact endpoint from another host 3, the announced port at
 * the announcing host from the right host 2, from another host 1. The linker stops early
 * when nothing better can follow; this checks it picks what a full scan picks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataChannelLinker, MAX_SETUPS_PER_PORT } from '../../src/ftp/linkage.js';
import type { SessionRecord, SetupRecord } from '../../src/ftp/model.js';
import type { Connection } from '../../src/tcp/types.js';

const HOSTS = ['10.0.0.1', '10.0.0.2', '192.168.1.5', '198.51.100.7'];
const PORTS = [5000, 5001];

function connection(id: number, client: string, server: string, port: number, time: number): Connection {
  return {
    id, client: { ipVersion: 4, address: client, port: 40000 + id }, server: { ipVersion: 4, address: server, port },
    roleEvidence: 'syn', firstFileIndex: 0, firstFrame: id, lastFileIndex: 0, lastFrame: id, firstTime: time, lastTime: time,
    handshake: true, synFrame: id, end: 'open', rstFrame: 0, stats: [] as unknown as Connection['stats'], observer: null,
  } as Connection;
}

function score(setup: SetupRecord, control: Connection, data: Connection): number {
  if (setup.refused || setup.targetPort !== data.server.port || data.firstTime < setup.time || data === control) return 0;
  const active = setup.announcedBy === 'client';
  const initiatorFits = data.client.address === (active ? control.server.address : control.client.address);
  if (setup.targetAddress !== null && data.server.address === setup.targetAddress) return initiatorFits ? 4 : 3;
  if (data.server.address === (active ? control.client.address : control.server.address)) return initiatorFits ? 2 : 1;
  return 0;
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('setup' as const), client: fc.nat(3), server: fc.nat(3), target: fc.option(fc.nat(3)), port: fc.nat(1), active: fc.boolean(), refused: fc.boolean() }),
  fc.record({ kind: fc.constant('connect' as const), from: fc.nat(3), to: fc.nat(3), port: fc.nat(1) }),
);

describe('DataChannelLinker.claim', () => {
  it('picks the setup a full newest-first scan for the best score picks', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const linker = new DataChannelLinker(() => {});
      const open: { setup: SetupRecord; control: Connection }[] = [];
      let id = 0;
      let time = 1_700_000_000;
      for (const s of steps) {
        time += 1;
        id++;
        if (s.kind === 'setup') {
          const control = connection(id, HOSTS[s.client]!, HOSTS[s.server]!, 21, time);
          const session = { id, connection: control } as SessionRecord;
          const setup = {
            id, announcedBy: s.active ? 'client' : 'server', frames: [], time, targetAddress: s.target === null ? null : HOSTS[s.target]!,
            targetPort: PORTS[s.port]!, refused: s.refused, connections: [], transfers: [],
          } as unknown as SetupRecord;
          linker.setupAnnounced(session, setup);
          open.push({ setup, control });
          // The linker keeps the newest MAX_SETUPS_PER_PORT per port: far more than this test makes.
          expect(open.filter((o) => o.setup.targetPort === setup.targetPort).length).toBeLessThanOrEqual(MAX_SETUPS_PER_PORT);
          continue;
        }
        const data = connection(id, HOSTS[s.from]!, HOSTS[s.to]!, PORTS[s.port]!, time);
        let expected: SetupRecord | null = null;
        let best = 0;
        for (let i = open.length - 1; i >= 0; i--) {
          const candidate = score(open[i]!.setup, open[i]!.control, data);
          if (candidate > best) {
            best = candidate;
            expected = open[i]!.setup;
          }
        }
        const claimed = linker.claim(data);
        expect(claimed).toBe(expected !== null);
        if (expected !== null) expect(expected.connections.at(-1)).toBe(data);
        for (const o of open) if (o.setup !== expected) expect(o.setup.connections).not.toContain(data);
      }
    }), { numRuns: 3000 });
  });
});
