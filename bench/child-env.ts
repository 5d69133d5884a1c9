/**
 * The environment bench programs run in: as bin/ftpcap runs the CLI, with its malloc
 * settings (read from the launcher, or the user's own GLIBC_TUNABLES, which it leaves
 * alone), and this Node first on the PATH so that the launcher's `node` is this one; and
 * the V8 flags the launcher gives Node, for the bench programs' own command lines.
 */
import { readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAUNCHER = join(fileURLToPath(import.meta.url), '../../bin/ftpcap');

export function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? launcherTunables(), PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
}

/**
 * The Node flags bin/ftpcap passes (its `v8flags='...'` line), or none when NODE_OPTIONS
 * sets the same flag, as the launcher does.
 */
export function nodeFlags(): string[] {
  const flags = launcherLine('v8flags').split(' ').filter(Boolean);
  const options = ` ${process.env.NODE_OPTIONS ?? ''} `;
  return flags.filter((flag) => !options.includes(` ${flag.split('=')[0]}`));
}

function launcherTunables(): string {
  return launcherLine('tunables');
}

/** The value of bin/ftpcap's `name='...'` line. */
function launcherLine(name: string): string {
  const match = new RegExp(`^${name}='([^']*)'$`, 'm').exec(readFileSync(LAUNCHER, 'utf8'));
  if (match === null) throw new Error(`${LAUNCHER}: no ${name}='...' line`);
  return match[1]!;
}
