/**
 * The command line as yargs defines it: help text, usage errors, explain, and every argv
 * the quick reader in args.ts leaves alone. Loaded only when needed (see args.ts).
 */
import yargs from 'yargs';
import type { ExplainOptions } from '../helper/explain.js';
import { FORMATS, type Format } from '../report/render.js';
import { analyzeJob, KERNELS, type AnalyzeArgs, type Command } from './args.js';

const STDIN_TOKEN = '\u0000stdin';

export async function yargsCommand(rawArgv: string[], version: string, columns: number | undefined): Promise<Command> {
  // yargs-parser reads a lone "-" as an empty option, not a positional: hide it from yargs.
  const argv = rawArgv.map((arg) => (arg === '-' ? STDIN_TOKEN : arg));
  let usageError: string | null = null;
  let command: Command = { kind: 'nothing' };

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
          // type string: yargs-parser would read 6.18 as a number, which no choice equals.
          .option('kernel', { type: 'string', choices: KERNELS, default: '6.18', describe: 'helper parser: 6.18 (no range checks) or the 2026 one that drops octets > 255' })
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
        const capture = (args.capture as string[]).map((path) => (path === STDIN_TOKEN ? '-' : path));
        command = { kind: 'analyze', job: analyzeJob({ ...(args as unknown as AnalyzeArgs), capture }) };
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
          .option('kernel', { type: 'string', choices: KERNELS, default: '6.18' })
          .example("$0 explain 'PORT 10,0,0,5,4,1' --from 203.0.113.7", 'a client behind NAT announcing its private address')
          .example("$0 explain '227 Entering Passive Mode v2 (10,77,0,2,4,42)'", 'why a digit in the text makes the helper drop the reply'),
      (args) => {
        const options: ExplainOptions = {
          from: args.from as string | undefined,
          position: args['mid-segment'] ? 'mid-segment' : 'segment-start',
          loose: args.loose as boolean,
          kernel: args.kernel as ExplainOptions['kernel'],
        };
        command = { kind: 'explain', line: args.line as string, options };
      },
    )
    .demandCommand(1, 'say what to do: ftpcap analyze <capture...>')
    .strict()
    .version(version)
    .help()
    .alias('h', 'help')
    .alias('V', 'version')
    .epilogue(
      'Exit codes: 0 analyzed; 2 usage error; 3 input fault (the report covers everything read before the fault).',
    )
    .wrap(Math.min(110, columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      usageError = message ?? error?.message ?? 'usage error';
    });

  let output: string | null = null;
  try {
    await parser.parseAsync(argv, {}, (error, _parsed, text) => {
      if (text && !error) output = text.endsWith('\n') ? text : `${text}\n`;
    });
  } catch (error) {
    usageError ??= (error as Error).message;
  }
  if (usageError !== null) return { kind: 'usage-error', message: usageError };
  if (output !== null) return { kind: 'output', text: output };
  return command;
}
