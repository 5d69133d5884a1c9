import { PassThrough, Readable } from 'node:stream';
import { main, type CliSettings } from '../../src/cli/main.js';

/** The CLI run in this process: exit code, and stdout and stderr as text. */
export async function runCli(
  args: string[],
  stdin: Uint8Array = new Uint8Array(0),
  settings: CliSettings = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await main(args, { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]) }, settings);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
