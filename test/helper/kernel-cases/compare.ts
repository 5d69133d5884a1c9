/**
 * Shared by kernel-cases.test.ts (recorded kernel verdicts) and kernel-live.test.ts (fresh
 * ones): what the kernel said about a case, what ftpcap's model says about the same capture,
 * and the cases where the two are known to differ.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../../src/analyze.js';

export const KERNEL_CASES_DIR = dirname(fileURLToPath(import.meta.url));

/** One entry of results.json as ftp_oracle.py writes it (the fields the comparison needs). */
export interface KernelCaseResult {
  id: string;
  desc: string;
  family: 4 | 6;
  server_port: number;
  helper_ports: number[];
  loose: 'Y' | 'N';
  /** Where the helper rule ran: 'server' (as shared/oracle) or 'client'. */
  helper_host?: 'server' | 'client';
  final_exp: string[];
  dropped: boolean;
  helper_log: string[];
}

export interface KernelResults {
  meta: { kernel: string; uname_r?: string; cases_file?: string };
  results: KernelCaseResult[];
}

export interface Verdict {
  /** Expectations still pending at the end, as "src>dst:dport", sorted. */
  pending: string[];
  /** Did the helper drop at least one packet? */
  dropped: boolean;
}

export function readResults(path: string): KernelResults {
  return JSON.parse(readFileSync(path, 'utf8')) as KernelResults;
}

export function kernelVerdict(result: KernelCaseResult): Verdict {
  return { pending: [...result.final_exp].sort(), dropped: result.dropped };
}

/** Analyzes a case's capture as oracle.test.ts does and reduces it to the kernel's two observables. */
export async function modelVerdict(pcap: string, result: KernelCaseResult): Promise<Verdict> {
  const analysis = await analyze([pcap], {
    controlPorts: [result.server_port],
    helper: { ports: result.helper_ports, loose: result.loose === 'Y', kernel: '6.18' },
  });
  const helper = analysis.helper!;
  const pending = helper.expectations.filter((expectation) => expectation.state === 'pending')
    .map((expectation) => `${expectation.src}>${expectation.dst}:${expectation.dport}`);
  return { pending: pending.sort(), dropped: helper.drops.length > 0 };
}

export function pcapOf(dir: string, id: string): string {
  return join(dir, `${id}.pcap`);
}

export interface Disagreement {
  /** What the kernel did (recorded in results.json). */
  kernel: string;
  /** What ftpcap's model says about the same capture. */
  model: string;
  /** Which rule in src/helper is wrong, and what the kernel does instead. */
  diagnosis: string;
  /**
   * Which observable differs: only that assertion is skipped, the other one still runs.
   * Default 'both' skips the case.
   */
  part?: 'pending' | 'dropped' | 'both';
}

/*
 * Resolved disagreements, kept as history:
 * - split_227_b01..b41_srv: a 227 written in two parts while the helper runs on the server.
 *   The helper drops the partial first part inside the server's output path and TCP sends it
 *   merged with the second part, so the capture shows one complete 227. The one trace is a
 *   skip in the server's IPv4 ID before that segment; the model now infers the drop from it
 *   (src/helper/stage.ts mergedAfterDrop). On IPv6 there is no ID and it cannot be seen.
 * - eprt6_addr_five/six_digit_zero_group: in6_pton takes hex digits while the group's value is
 *   below 0x1000, so "00001" is a valid group; the model now parses EPRT |2| addresses that way.
 */

/** Cases where the model disagrees with the kernel; the lead fixes the model, then removes the entry. */
export const KNOWN_DISAGREEMENTS: Readonly<Record<string, Disagreement>> = {
};
