import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { newFrame } from '../src/capture/frame.js';
import { decodeFrame } from '../src/decode/decode.js';
import { DecodeResult, newDecodedPacket } from '../src/decode/packet.js';
import { newDecodeStats } from '../src/decode/stats.js';
import { ConnectionTable } from '../src/tcp/table.js';
import type { ConnectionObserver } from '../src/tcp/types.js';
const file = readFileSync(process.argv[2]!);
const buf = new Uint8Array(file.buffer, file.byteOffset, file.length);
const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
const mode = process.argv[3] ?? 'full';
function pass(withTable: boolean) {
  const frame = newFrame(); frame.buffer = buf; frame.linkType = 1;
  const pkt = newDecodedPacket(); const stats = newDecodeStats();
  let lines = 0;
  const obs = (): ConnectionObserver => ({ segment() {}, data(_c, _d, b) { for (let i = 0; i < b.length; i++) if (b[i] === 10) lines++; }, gap() {} });
  const table = withTable ? new ConnectionTable((c) => (c.server.port === 21 && mode !== 'countonly' ? obs() : null), mode === 'nohist' ? { retransmissionHistoryBytes: 0 } : {}) : null;
  let at = 24, n = 0;
  const c0 = process.cpuUsage();
  while (at + 16 <= buf.length) {
    const len = dv.getUint32(at + 8, true);
    frame.tsSec = dv.getUint32(at, true); frame.tsNsec = dv.getUint32(at + 4, true) * 1000;
    frame.start = at + 16; frame.capturedLength = len; frame.originalLength = len; frame.number = ++n;
    if (decodeFrame(frame, pkt, stats) === DecodeResult.Tcp && table) table.add(frame, pkt);
    at += 16 + len;
  }
  table?.finish();
  const c = process.cpuUsage(c0); return [(c.user + c.system) / 1000, n, lines] as const;
}
for (let r = 0; r < 8; r++) {
  const [d, n] = pass(false); const [f] = pass(true);
  console.log(`frames ${n} decode ${d.toFixed(0)} ms, with table ${f.toFixed(0)} ms → table ${((f - d) * 1e6 / n).toFixed(0)} ns/segment; total ${(n / f / 1e3).toFixed(2)} M frames/s`);
}
