import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file below a folder, in a stable order. */
export function walkFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walkFiles(path) : [path];
    });
}

const CAPTURE_MAGICS = new Set(['d4c3b2a1', 'a1b2c3d4', '4d3cb2a1', 'a1b23c4d', '0a0d0d0a']);

/** Capture files under a folder, recognised by content as ftpcap does (pcap either byte order and resolution, pcapng, gzip). */
export function captureFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return walkFiles(dir).filter((path) => {
    const head = readFileSync(path).subarray(0, 4).toString('hex');
    return CAPTURE_MAGICS.has(head) || head.startsWith('1f8b');
  });
}
