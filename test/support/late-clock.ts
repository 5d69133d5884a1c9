/**
 * A classic pcap with two empty records appended, 4,000 and 4,200 s after its last frame:
 * the TCP table's idle timeout (3,600 s) ends every open connection at the first, and the
 * sessions, quiet since, settle at the second, before the end of the trace.
 */
export function withLateClock(bytes: Buffer): Buffer | null {
  const magic = bytes.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1) return null;
  const read = (at: number): number => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  let last = 0;
  let at = 24;
  while (at + 16 <= bytes.length) {
    last = Math.max(last, read(at));
    at += 16 + read(at + 8);
  }
  if (at !== bytes.length) return null;
  const records = Buffer.alloc(32);
  for (const [index, late] of [4000, 4200].entries()) {
    if (little) records.writeUInt32LE(last + late, index * 16);
    else records.writeUInt32BE(last + late, index * 16);
  }
  return Buffer.concat([bytes, records]);
}
