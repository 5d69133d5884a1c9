import { readdirSync, readlinkSync } from 'node:fs';

/** Files below `directory` this process has open (Linux: /proc/self/fd), a removed one as "PATH (deleted)". */
export function openFilesIn(directory: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(`${directory}/`) ? [target] : [];
    } catch {
      return []; // the descriptor readdir itself used, closed since
    }
  });
}
