import { readFileSync } from 'node:fs';
import { SpoolError, type SpoolOptions } from '../report/spool.js';
import { quickCommand, type AnalyzeJob, type Command } from './args.js';
import { ProgressLine } from './progress.js';
import { analyzeForReport, type AnalyzedReport } from './report.js';
import { writeAll } from './write.js';

/** Exit codes, as README documents them. */
export const EXIT_OK = 0;
/** The run itself failed: the session texts could not be kept on disk. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INPUT_FAULT = 3;

/** Settings of a run that are not the command line's: for tests, which make the spool spill. */
export interface CliSettings {
  spool?: SpoolOptions;
}

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
export async function main(rawArgv: string[], io: CliIo = process, settings: CliSettings = {}): Promise<number> {
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
      return runAnalyze(command.job, io, settings);
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

async function runAnalyze(job: AnalyzeJob, io: CliIo, settings: CliSettings): Promise<number> {
  if (job.paths.filter((path) => path === '-').length > 1) {
    io.stderr.write('ftpcap: standard input (-) can be given only once\n');
    return EXIT_USAGE;
  }
  const progress = !job.quiet && io.stderr.isTTY === true ? new ProgressLine(io.stderr) : null;
  let report: AnalyzedReport;
  try {
    report = await analyzeForReport(job, {
      stdin: io.stdin,
      onProgress: progress ? (read, total, frames) => progress.update(read, total, frames) : undefined,
      spool: settings.spool,
    });
  } catch (error) {
    // Also on an unexpected exception, so its message does not start mid-line.
    progress?.clear();
    return spoolFailure(error, io);
  }
  progress?.clear();
  try {
    // A reader that went away (`ftpcap analyze big.pcap | head`) is not an error: stop writing.
    await report.write(io.stdout, (io.stdout as { columns?: number }).columns);
  } catch (error) {
    return spoolFailure(error, io);
  } finally {
    report.close();
  }
  const errors = report.analysis.errors;
  for (const error of errors) io.stderr.write(`ftpcap: ${error.message}\n`);
  return errors.length > 0 ? EXIT_INPUT_FAULT : EXIT_OK;
}

/** The session texts' temporary file failed (a full disk): one line, no stack trace. Anything else is rethrown. */
function spoolFailure(error: unknown, io: CliIo): number {
  if (!(error instanceof SpoolError)) throw error;
  io.stderr.write(`ftpcap: ${error.message}\n`);
  return EXIT_FAILURE;
}
