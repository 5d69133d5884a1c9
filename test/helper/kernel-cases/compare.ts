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

/**
 * A 227 written in two parts while the helper runs on the server (helper_host 'server', the
 * topology of shared/oracle): the first part is partial, and the helper drops it inside the
 * server's own output path (kernel-ftp-helper.md §6). TCP keeps those bytes unsent and sends
 * them together with the second write, so the client-side capture shows one complete,
 * well-formed 227 that created the expectation. The pending expectations agree; the drop
 * verdict does not. Splits after byte 42 and 43 leave a complete first part: no drop, and
 * they agree. The `_cli` twins (helper on the client) show the drop on the wire and agree.
 */
const SPLIT_227_MERGED: Disagreement = {
  part: 'dropped',
  kernel: "dropped (log: partial matching of `227 '), then 10.77.0.1>10.77.0.2:1112 from the merged reply",
  model: 'not dropped (the capture holds one complete 44-byte 227 and no retransmission)',
  diagnosis:
    'src/helper/report.ts silentReplyDrops infers a server-side drop only from a PASV/EPSV left unanswered; ' +
    'here the reply arrives, merged. The one trace on the capture is a gap of one in the server\'s IPv4 ID ' +
    'sequence right before the 227: the dropped transmission had already taken an ID (e.g. 2597 then 2599 ' +
    'in split_227_b10_srv). Among the 215 recorded IPv4 cases with the helper on the server, such a gap occurs ' +
    'in exactly these 41 cases and nowhere else. A rule "server IPv4 ID skips one just before a 227/229 ' +
    'segment = a transmission dropped on the server (helper on the server host)" would catch them; ' +
    'on IPv6 there is no ID and the drop cannot be seen',
};

const SPLIT_227_MERGED_IDS = [
  'split_227_b01_srv',
  'split_227_b02_srv',
  'split_227_b03_srv',
  'split_227_b04_srv',
  'split_227_b05_srv',
  'split_227_b06_srv',
  'split_227_b07_srv',
  'split_227_b08_srv',
  'split_227_b09_srv',
  'split_227_b10_srv',
  'split_227_b11_srv',
  'split_227_b12_srv',
  'split_227_b13_srv',
  'split_227_b14_srv',
  'split_227_b15_srv',
  'split_227_b16_srv',
  'split_227_b17_srv',
  'split_227_b18_srv',
  'split_227_b19_srv',
  'split_227_b20_srv',
  'split_227_b21_srv',
  'split_227_b22_srv',
  'split_227_b23_srv',
  'split_227_b24_srv',
  'split_227_b25_srv',
  'split_227_b26_srv',
  'split_227_b27_srv',
  'split_227_b28_srv',
  'split_227_b29_srv',
  'split_227_b30_srv',
  'split_227_b31_srv',
  'split_227_b32_srv',
  'split_227_b33_srv',
  'split_227_b34_srv',
  'split_227_b35_srv',
  'split_227_b36_srv',
  'split_227_b37_srv',
  'split_227_b38_srv',
  'split_227_b39_srv',
  'split_227_b40_srv',
  'split_227_b41_srv',
];

/**
 * in6_pton (net/core/utils.c) keeps taking hex digits into a group while the value so far is
 * below 0x1000 (`if (!(w & 0xf000)) state |= IN6PTON_XDIGIT`), so leading zeros make a group
 * any length: "00001" and "000001" are 1, while "10001" fails (recorded: eprt6_addr_five_digit_group
 * dropped, model agrees).
 */
const IN6_PTON_LONG_GROUP: Disagreement = {
  kernel: 'EPRT accepted, expectation fe80::ff:fe00:2>fe80::ff:fe00:1:1301, no drop',
  model: 'no expectation, dropped (partial match)',
  diagnosis:
    'src/helper/parsers.ts parseIpv6Until uses the generic parseAddress (src/decode/address.ts), whose group ' +
    'pattern /^[0-9a-fA-F]{1,4}$/ rejects more than 4 hex digits; the kernel parses EPRT |2| with in6_pton, ' +
    'which accepts any number of digits in a group as long as the value before each new digit is below 0x1000 ' +
    '(leading zeros: "fe80::ff:fe00:00001" = fe80::ff:fe00:1; "10001" fails). parseIpv6Until needs its own ' +
    'in6_pton, not the strict text parser',
};

/** Cases where the model disagrees with the kernel; the lead fixes the model, then removes the entry. */
export const KNOWN_DISAGREEMENTS: Readonly<Record<string, Disagreement>> = {
  ...Object.fromEntries(SPLIT_227_MERGED_IDS.map((id) => [id, SPLIT_227_MERGED])),
  eprt6_addr_five_digit_zero_group: IN6_PTON_LONG_GROUP,
  eprt6_addr_six_digit_zero_group: IN6_PTON_LONG_GROUP,
};
