/**
 * What the command line asks for, as plain data, and the quick reading of the common case.
 *
 * yargs (src/cli/yargs-cli.ts) defines the command line: help, errors, explain. Loading and
 * running it costs tens of milliseconds, a large part of a whole run on a big trace, so a
 * well-formed `analyze` and a bare `--version` are read here instead. The quick reader only
 * says yes to argv it understands completely and hands everything else (anything unusual,
 * invalid or ambiguous) to yargs, so yargs still decides every error and edge case; both
 * build the job through analyzeJob, and test/cli/args.test.ts checks they agree.
 */
import type { AnalyzeOptions } from '../analyze.js';
import type { ExplainOptions } from '../helper/explain.js';
import { parseNatMapping } from '../helper/nat.js';
import { FORMATS, type Format } from '../report/render.js';

export const KERNELS = ['6.18', '2026'] as const;
export type Kernel = (typeof KERNELS)[number];

export interface AnalyzeJob {
  paths: string[];
  format: Format;
  quiet: boolean;
  options: AnalyzeOptions;
}

export type Command =
  | { kind: 'analyze'; job: AnalyzeJob }
  | { kind: 'explain'; line: string; options: ExplainOptions }
  /** --help or --version: the text to print, then exit 0. */
  | { kind: 'output'; text: string }
  | { kind: 'usage-error'; message: string }
  | { kind: 'nothing' };

/** The analyze options as yargs names them (after defaults), the one input of analyzeJob. */
export interface AnalyzeArgs {
  capture: string[];
  format: unknown;
  quiet: boolean;
  'show-credentials': boolean;
  'helper-ports': unknown;
  loose: boolean;
  kernel: unknown;
  nat: unknown;
  helper: boolean;
  'control-ports': unknown;
}

const DEFAULTS: Omit<AnalyzeArgs, 'capture'> = {
  format: 'table',
  quiet: false,
  'show-credentials': false,
  'helper-ports': '21',
  loose: false,
  kernel: '6.18',
  nat: undefined,
  helper: true,
  'control-ports': undefined,
};

/** Throws (a usage error, through yargs' fail handler) on a bad port list, NAT mapping or a repeated option. */
export function analyzeJob(args: AnalyzeArgs): AnalyzeJob {
  const controlPorts = single(args['control-ports'], 'control-ports');
  return {
    paths: args.capture,
    format: single(args.format, 'format') as Format,
    quiet: args.quiet,
    options: {
      controlPorts: controlPorts ? parsePortList(controlPorts) : [21],
      showCredentials: args['show-credentials'],
      helper: args.helper
        ? {
            ports: parsePortList(single(args['helper-ports'], 'helper-ports') ?? ''),
            loose: args.loose,
            kernel: single(args.kernel, 'kernel') as Kernel,
            nat: ([] as unknown[]).concat(args.nat ?? []).map((text) => parseNatMapping(String(text))),
          }
        : null,
    },
  };
}

/** yargs turns a repeated option into an array; only --nat may be repeated. */
function single(value: unknown, name: string): string | undefined {
  if (Array.isArray(value)) throw new Error(`--${name} given more than once`);
  return value === undefined ? undefined : String(value);
}

export function parsePortList(text: string): number[] {
  const ports = text.split(',').filter((part) => part.trim() !== '').map((part) => Number(part.trim()));
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a TCP port: ${text}`);
  }
  return ports;
}

const VALUE_OPTIONS: Record<string, 'format' | 'helper-ports' | 'kernel' | 'nat' | 'control-ports'> = {
  '-f': 'format',
  '--format': 'format',
  '--helper-ports': 'helper-ports',
  '--kernel': 'kernel',
  '--nat': 'nat',
  '--control-ports': 'control-ports',
};

const FLAGS: Record<string, ['quiet' | 'show-credentials' | 'loose' | 'helper', boolean]> = {
  '-q': ['quiet', true],
  '--quiet': ['quiet', true],
  '--show-credentials': ['show-credentials', true],
  '--loose': ['loose', true],
  '--helper': ['helper', true],
  '--no-helper': ['helper', false],
};

/**
 * The command for argv when it is `--version` alone or a plain `analyze` (known options,
 * each at most once but --nat, valid values, at least one capture); null means "ask yargs".
 */
export function quickCommand(argv: readonly string[], version: string): Command | null {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return { kind: 'output', text: `${version}\n` };
  if (argv[0] !== 'analyze') return null;
  const args: AnalyzeArgs = { ...DEFAULTS, capture: [] };
  const nat: string[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    let token = argv[i]!;
    let value: string | undefined;
    const equals = token.startsWith('--') ? token.indexOf('=') : -1;
    if (equals > 0) {
      value = token.slice(equals + 1);
      token = token.slice(0, equals);
    }
    const option = VALUE_OPTIONS[token];
    const flag = FLAGS[token];
    if (option !== undefined) {
      if (value === undefined) value = argv[++i];
      // yargs reads a missing value, or one that looks like an option, its own ways.
      if (value === undefined || value === '' || value.startsWith('-')) return null;
      if (option === 'nat') nat.push(value);
      else if (seen.has(option)) return null;
      else args[option] = value;
      seen.add(option);
    } else if (flag !== undefined && value === undefined) {
      const [name, on] = flag;
      if (seen.has(name)) return null;
      seen.add(name);
      args[name] = on;
    } else if (token === '-' || (value === undefined && token !== '' && !token.startsWith('-'))) {
      // yargs lets a boolean flag take a following "true" or "false" as its value.
      if (token === 'true' || token === 'false') return null;
      args.capture.push(token);
    } else {
      return null;
    }
  }
  if (nat.length > 0) args.nat = nat.length === 1 ? nat[0] : nat;
  if (args.capture.length === 0) return null;
  if (!(FORMATS as readonly unknown[]).includes(args.format) || !(KERNELS as readonly unknown[]).includes(args.kernel)) return null;
  try {
    return { kind: 'analyze', job: analyzeJob(args) };
  } catch {
    return null; // yargs reports it, with the same message
  }
}
