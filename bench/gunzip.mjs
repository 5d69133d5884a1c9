// The decompressor alone, as a program: Node's gunzip stream over a .gz file with the
// chunk sizes ftpcap's reader uses (src/capture/limits.ts), output discarded. bench/run.ts
// times it as a child process: the ceiling for `ftpcap analyze trace.pcap.gz`.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

let bytes = 0;
createReadStream(process.argv[2], { highWaterMark: 1024 * 1024 })
  .pipe(createGunzip({ chunkSize: 256 * 1024 }))
  .on('data', (chunk) => { bytes += chunk.length; })
  .on('end', () => console.log(bytes));
