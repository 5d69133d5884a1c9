// The bare record walk: a plain Node loop over a classic pcap's records in 8 MiB chunks
// that does nothing else. Run as a program (`node bench/walk.mjs TRACE`, printing the frame
// count), bench/run.ts times it as a child process, like ftpcap, so both pay Node's
// start-up; run.ts also calls walk() in its own process for the steady-state comparison.
import { closeSync, openSync, readSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const CHUNK = 8 << 20;

/** Walks the records of a classic pcap; returns how many there are. */
export function walk(path) {
  const fd = openSync(path, 'r');
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
  return frames;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(walk(process.argv[2]));
