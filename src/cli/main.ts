import { readFileSync } from 'node:fs';
import { analyze } from '../analyze.js';
import { quickCommand, type AnalyzeJob, type Command } from './args.js';
import { ProgressLine } from './progress.js';
import { loadRenderer } from '../report/render.js';

/** Exit codes, as README documents them. */
export const EXIT_OK = 0;
export const EXIT_USAGE = 2;
export const EXIT_INPUT_FAULT = 3;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
}

function packageVersion(): string {
  // This module is the bundle's entry (dist/cli/main.js), so the path holds in src/ and dist/ alike.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Runs the CLI and returns the exit code instead of exiting, so tests can call it
 * in-process. Usage errors print one line and the hint to --help; input faults print
 * one line per faulty file after the report of everything read before the fault.
 */
export async function main(rawArgv: string[], io: CliIo = process): Promise<number> {
  const version = packageVersion();
  const columns = (io.stdout as { columns?: number }).columns;
  const command: Command =
    quickCommand(rawArgv, version) ?? (await (await import('./yargs-cli.js')).yargsCommand(rawArgv, version, columns));
  switch (command.kind) {
    case 'usage-error': {
      const oneLine = command.message.replace(/\s*\n\s*/g, '; ');
      io.stderr.write(`ftpcap: ${oneLine} (try ftpcap --help)\n`);
      return EXIT_USAGE;
    }
    case 'output':
      io.stdout.write(command.text);
      return EXIT_OK;
    case 'explain':
      return runExplain(command.line, command.options, io);
    case 'analyze':
      return runAnalyze(command.job, io);
    case 'nothing':
      return EXIT_OK;
  }
}

async function runExplain(line: string, options: Extract<Command, { kind: 'explain' }>['options'], io: CliIo): Promise<number> {
  const { explainLine } = await import('../helper/explain.js');
  try {
    const { lines } = explainLine(line, options);
    await writeAll(io.stdout, [`${lines.join('\n')}\n`]);
    return EXIT_OK;
  } catch (error) {
    io.stderr.write(`ftpcap: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
}

async function runAnalyze(job: AnalyzeJob, io: CliIo): Promise<number> {
  if (job.paths.filter((path) => path === '-').length > 1) {
    io.stderr.write('ftpcap: standard input (-) can be given only once\n');
    return EXIT_USAGE;
  }
  const progress = !job.quiet && io.stderr.isTTY === true ? new ProgressLine(io.stderr) : null;
  let result;
  try {
    result = await analyze(job.paths, {
      ...job.options,
      stdin: io.stdin,
      onProgress: progress ? (read, total, frames) => progress.update(read, total, frames) : undefined,
    });
  } finally {
    // Also on an unexpected exception, so its message does not start mid-line.
    progress?.clear();
  }
  const render = await loadRenderer(job.format);
  // A reader that went away (`ftpcap analyze big.pcap | head`) is not an error: stop writing.
  await writeAll(io.stdout, render(result, (io.stdout as { columns?: number }).columns));
  for (const error of result.errors) io.stderr.write(`ftpcap: ${error.message}\n`);
  return result.errors.length > 0 ? EXIT_INPUT_FAULT : EXIT_OK;
}

/** Output is written in pieces of about this size (a new buffer each: the stream may hold on to it). */
const WRITE_BUFFER_BYTES = 1 << 20;

/**
 * Writes the pieces in order, in batches, waiting for the stream to drain (a pipe to less, a
 * slow disk). Returns false when the reader closed the pipe (EPIPE): the rest is not written,
 * and that is no error, as for any Unix filter whose reader stopped reading.
 */
async function writeAll(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<boolean> {
  try {
    await writeBatches(stream, pieces);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return false;
    throw error;
  }
}

async function writeBatches(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  // Pieces are encoded straight into a 1 MiB buffer: joining them into one string first
  // and encoding that cost as much as building the report on traces with many sessions.
  let buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  let used = 0;
  for (const piece of pieces) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (used > 0 && used + piece.length * 3 > buffer.length) {
      await write(stream, buffer.subarray(0, used));
      buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
      used = 0;
    }
    if (piece.length * 3 > buffer.length) await write(stream, piece);
    else used += buffer.write(piece, used);
  }
  if (used > 0) await write(stream, buffer.subarray(0, used));
}

/** Streams whose 'error' events are already seen to: the error reaches the write callback as well. */
const watched = new WeakSet<NodeJS.WritableStream>();

function write(stream: NodeJS.WritableStream, text: string | Uint8Array): Promise<void> {
  if (!watched.has(stream)) {
    watched.add(stream);
    // Without a listener, the 'error' event that follows a failed write (EPIPE) would end the
    // process with a stack trace; the failure itself is handled through the callback below.
    stream.on('error', () => {});
  }
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
