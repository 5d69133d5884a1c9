/**
 * The environment bench programs run in: as bin/ftpcap runs the CLI, with its malloc
 * settings (read from the launcher, or the user's own GLIBC_TUNABLES, which it leaves
 * alone), and this Node first on the PATH so that the launcher's `node` is this one.
 */
import { readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAUNCHER = join(fileURLToPath(import.meta.url), '../../bin/ftpcap');

export function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? launcherTunables(), PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
}

/** The `tunables='...'` line of bin/ftpcap. */
function launcherTunables(): string {
  const match = /^tunables='([^']*)'$/m.exec(readFileSync(LAUNCHER, 'utf8'));
  if (match === null) throw new Error(`${LAUNCHER}: no tunables='...' line`);
  return match[1]!;
}
