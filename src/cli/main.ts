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
    await write(io.stdout, `${lines.join('\n')}\n`);
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
  await writeAll(io.stdout, render(result, (io.stdout as { columns?: number }).columns));
  for (const error of result.errors) io.stderr.write(`ftpcap: ${error.message}\n`);
  return result.errors.length > 0 ? EXIT_INPUT_FAULT : EXIT_OK;
}

/** Writes the pieces in order, in batches, waiting for the stream to drain (a pipe to less, a slow disk). */
async function writeAll(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  let batch: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    batch.push(piece);
    size += piece.length;
    if (size >= 1 << 20) {
      await write(stream, batch.join(''));
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0) await write(stream, batch.join(''));
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
