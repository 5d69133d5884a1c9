// The bare record walk as a program of its own: a plain Node loop over a classic pcap's
// records in 8 MiB chunks that does nothing else. bench/run.ts times it as a child
// process, like ftpcap, so both pay Node's start-up. Prints the frame count.
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 8 << 20;
const fd = openSync(process.argv[2], 'r');
const buffer = Buffer.allocUnsafe(CHUNK + 65536);
let have = 0;
let position = 24;
let frames = 0;
for (;;) {
  const got = readSync(fd, buffer, have, CHUNK, position);
  position += got;
  have += got;
  let at = 0;
  while (at + 16 <= have) {
    const length = buffer.readUInt32LE(at + 8);
    if (at + 16 + length > have) break;
    at += 16 + length;
    frames++;
  }
  buffer.copy(buffer, 0, at, have);
  have -= at;
  if (got === 0) break;
}
closeSync(fd);
console.log(frames);
