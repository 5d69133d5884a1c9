import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { renderReport, FORMATS, type Format } from '../report/render.js';
import { explainLine, type ExplainOptions } from '../helper/explain.js';
import { parseNatMapping } from '../helper/nat.js';
import { ProgressLine } from './progress.js';

/** Exit codes, as README documents them. */
export const EXIT_OK = 0;
export const EXIT_USAGE = 2;
export const EXIT_INPUT_FAULT = 3;

const STDIN_TOKEN = '\u0000stdin';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function parsePortList(text: string): number[] {
  const ports = text.split(',').filter((part) => part.trim() !== '').map((part) => Number(part.trim()));
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a TCP port: ${text}`);
  }
  return ports;
}

/**
 * Runs the CLI and returns the exit code instead of exiting, so tests can call it
 * in-process. Usage errors print one line and the hint to --help; input faults print
 * one line per faulty file after the report of everything read before the fault.
 */
export async function main(rawArgv: string[], io: CliIo = process): Promise<number> {
  // yargs-parser reads a lone "-" as an empty option, not a positional: hide it from yargs.
  const argv = rawArgv.map((arg) => (arg === '-' ? STDIN_TOKEN : arg));
  let usageError: string | null = null;
  let explainJob: { line: string; options: ExplainOptions } | null = null;
  let job: { paths: string[]; format: Format; quiet: boolean; options: AnalyzeOptions } | null = null;

  const parser = yargs(argv)
    .scriptName('ftpcap')
    .usage('$0 <command> [options]')
    .command(
      'analyze <capture..>',
      'Analyze FTP in one or more capture files (pcap, pcapng, gzip-compressed; - for standard input)',
      (y) =>
        y
          .positional('capture', { type: 'string', array: true, describe: 'capture files, merged by timestamp; - reads standard input' })
          .option('format', { alias: 'f', choices: FORMATS, default: 'table' as Format, describe: 'output format' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress line and no notes on stderr' })
          .option('show-credentials', { type: 'boolean', default: false, describe: 'print passwords seen in the capture (masked by default)' })
          .option('helper-ports', { type: 'string', default: '21', describe: 'server ports an nft/iptables CT rule attaches the FTP conntrack helper to' })
          .option('loose', { type: 'boolean', default: false, describe: "model nf_conntrack_ftp's loose=1 (accept PORT/227 naming another host)" })
          .option('kernel', { choices: ['6.18', '2026'] as const, default: '6.18', describe: 'helper parser: 6.18 (no range checks) or the 2026 one that drops octets > 255' })
          .option('nat', { type: 'string', describe: 'the capture was taken inside a NAT box that maps PRIVATE=PUBLIC (repeatable): predict nf_nat_ftp rewrites' })
          .option('helper', { type: 'boolean', default: true, describe: 'model the conntrack helper (--no-helper skips it)' })
          .option('control-ports', { type: 'string', describe: 'comma-separated TCP ports always treated as FTP control (default: 21, plus any connection whose content is FTP)' })
          .example('$0 analyze trace.pcap', 'table of FTP sessions, transfers and findings')
          .example('$0 analyze -f json trace.pcapng.gz', 'the same as one JSON document')
          .example('tcpdump -i eth0 -w - port 21 | $0 analyze -', 'read a live capture from standard input')
          .example('$0 analyze rot-0.pcap rot-1.pcap rot-2.pcap', 'files rotated by tcpdump -C/-G, analyzed as one trace')
          .example('$0 analyze --control-ports 2121 trace.pcap', 'an FTP server listening on port 2121')
          .example('$0 analyze --helper-ports 21,2121 --loose trace.pcap', 'predict a firewall whose CT rule covers ports 21 and 2121, with loose=1'),
      (args) => {
        job = {
          paths: (args.capture as string[]).map((path) => (path === STDIN_TOKEN ? '-' : path)),
          format: args.format as Format,
          quiet: args.quiet as boolean,
          options: {
            controlPorts: args['control-ports'] ? parsePortList(args['control-ports'] as string) : [21],
            showCredentials: args['show-credentials'] as boolean,
            helper: args.helper
              ? {
                  ports: parsePortList(args['helper-ports'] as string),
                  loose: args.loose as boolean,
                  kernel: args.kernel as '6.18' | '2026',
                  nat: ([] as string[]).concat((args.nat as string | string[] | undefined) ?? []).map(parseNatMapping),
                }
              : null,
          },
        };
      },
    )
    .command(
      'explain <line>',
      'Explain how the Linux FTP conntrack helper reads one PORT/EPRT/227/229 line, step by step',
      (y) =>
        y
          .positional('line', { type: 'string', describe: 'the command or reply as sent; \\r \\n \\t \\xNN escapes allowed' })
          .option('from', { type: 'string', describe: "the sender's address (default: the address the line announces)" })
          .option('mid-segment', { type: 'boolean', default: false, describe: 'the line is not at the start of its TCP segment' })
          .option('segment-start', { type: 'boolean', default: true, describe: 'the line starts its TCP segment (default)' })
          .option('loose', { type: 'boolean', default: false, describe: 'loose=1' })
          .option('kernel', { choices: ['6.18', '2026'] as const, default: '6.18' })
          .example("$0 explain 'PORT 10,0,0,5,4,1' --from 203.0.113.7", 'a client behind NAT announcing its private address')
          .example("$0 explain '227 Entering Passive Mode v2 (10,77,0,2,4,42)'", 'why a digit in the text makes the helper drop the reply'),
      (args) => {
        explainJob = {
          line: args.line as string,
          options: {
            from: args.from as string | undefined,
            position: args['mid-segment'] ? 'mid-segment' : 'segment-start',
            loose: args.loose as boolean,
            kernel: args.kernel as '6.18' | '2026',
          },
        };
      },
    )
    .demandCommand(1, 'say what to do: ftpcap analyze <capture...>')
    .strict()
    .version(packageVersion())
    .help()
    .alias('h', 'help')
    .alias('V', 'version')
    .epilogue(
      'Exit codes: 0 analyzed; 2 usage error; 3 input fault (the report covers everything read before the fault).',
    )
    .wrap(Math.min(110, (io.stdout as { columns?: number }).columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      usageError = message ?? error?.message ?? 'usage error';
    });

  let helpOrVersion = false;
  try {
    await parser.parseAsync(argv, {}, (error, _parsed, output) => {
      if (output && !error) {
        helpOrVersion = true;
        io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
      }
    });
  } catch (error) {
    usageError ??= (error as Error).message;
  }
  if (usageError !== null) {
    const oneLine = (usageError as string).replace(/\s*\n\s*/g, '; ');
    io.stderr.write(`ftpcap: ${oneLine} (try ftpcap --help)\n`);
    return EXIT_USAGE;
  }
  if (helpOrVersion) return EXIT_OK;
  if (explainJob !== null) {
    const { line, options } = explainJob as { line: string; options: ExplainOptions };
    try {
      const { lines } = explainLine(line, options);
      await write(io.stdout, `${lines.join('\n')}\n`);
      return EXIT_OK;
    } catch (error) {
      io.stderr.write(`ftpcap: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  if (job === null) return EXIT_OK;
  return runAnalyze(job, io);
}

async function runAnalyze(
  job: { paths: string[]; format: Format; quiet: boolean; options: AnalyzeOptions },
  io: CliIo,
): Promise<number> {
  if (job.paths.filter((path) => path === '-').length > 1) {
    io.stderr.write('ftpcap: standard input (-) can be given only once\n');
    return EXIT_USAGE;
  }
  const progress = !job.quiet && io.stderr.isTTY ? new ProgressLine(io.stderr) : null;
  const result = await analyze(job.paths, {
    ...job.options,
    stdin: io.stdin,
    onProgress: progress ? (read, total, frames) => progress.update(read, total, frames) : undefined,
  });
  progress?.clear();
  const columns = (io.stdout as { columns?: number }).columns;
  await writeAll(io.stdout, renderReport(result, job.format, columns));
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
