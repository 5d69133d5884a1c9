/**
 * A sample of ftpcap's kernel cases, replayed live through the kernel of the machine the
 * tests run on (test/helper/kernel-cases/ftp_oracle.py in throw-away network namespaces),
 * then the fresh captures analyzed and compared with the fresh kernel verdicts.
 *
 * Needs root, python3, iproute2 (`ip netns`), nft, conntrack, tcpdump and the FTP conntrack
 * helper (nf_conntrack_ftp built in or loadable). Where any is missing the suite is skipped
 * and the skipped test's name says why. Under CI (.ci/run installs the packages and runs as
 * root) it runs; about 35 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KERNEL_CASES_DIR,
  KNOWN_DISAGREEMENTS,
  kernelVerdict,
  modelVerdict,
  pcapOf,
  readResults,
  type KernelResults,
} from './kernel-cases/compare.js';

/** Eleven varied cases: PORT/EPRT/227/229, helper on either side, IPv4 and IPv6, drops, loose, a clash, splits, another port, a data connection. */
const LIVE_SAMPLE = [
  'fuzz_port_07',
  'fuzz_port_13',
  'fuzz_227_19_cli',
  'fuzz_229_07_srv',
  'split_port_b09',
  'split_227_b30_cli',
  'v6_port_fe80_prefix',
  'eprt6_addr_dotted_tail',
  'clash_port_same',
  'hp_2121_rule_server2121',
  'data_227_used_cli',
];

const LOOSE_PARAMETER = '/sys/module/nf_conntrack_ftp/parameters/loose';

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Why the live run cannot happen here, or null when it can. */
function missingPrerequisite(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (network namespaces, nft and conntrack need root)';
  const missing = ['python3', 'ip', 'nft', 'conntrack', 'tcpdump'].filter((name) => !hasCommand(name));
  if (missing.length > 0) {
    return `missing ${missing.join(', ')} (Debian packages: python3 iproute2 nftables conntrack tcpdump)`;
  }
  if (spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status !== 0) return '`ip netns` does not work here';
  if (!existsSync(LOOSE_PARAMETER)) {
    spawnSync('modprobe', ['nf_conntrack_ftp'], { stdio: 'ignore' });
    if (!existsSync(LOOSE_PARAMETER)) return `no FTP conntrack helper in this kernel (${LOOSE_PARAMETER} is absent)`;
  }
  return null;
}

const skipReason = missingPrerequisite();

describe.skipIf(skipReason !== null)('kernel live (sample of test/helper/kernel-cases through this kernel)', () => {
  let work = '';
  let live: KernelResults | null = null;
  let runnerOutput = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ftpcap-kernel-live-'));
    const code = await new Promise<number | null>((resolve, reject) => {
      const runner = spawn('python3', [
        join(KERNEL_CASES_DIR, 'ftp_oracle.py'),
        '--cases', join(KERNEL_CASES_DIR, 'cases.json'),
        '--only', LIVE_SAMPLE.join(','),
        '--json', join(work, 'results.json'),
        '--md', join(work, 'results.md'),
      ], {
        // Own namespace names, so a recording run of the same runner is never torn down by this one.
        env: { ...process.env, ORACLE_PCAPDIR: join(work, 'pcaps'), ORACLE_NS_CLIENT: 'kclc', ORACLE_NS_SERVER: 'kcls' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      runner.stderr.on('data', (chunk: Buffer) => { runnerOutput += chunk.toString(); });
      const timer = setTimeout(() => runner.kill('SIGTERM'), 150_000);
      runner.on('error', reject);
      runner.on('close', (status) => { clearTimeout(timer); resolve(status); });
    });
    if (code !== 0) throw new Error(`ftp_oracle.py exited with ${code}:\n${runnerOutput}`);
    live = readResults(join(work, 'results.json'));
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the runner replayed every sampled case', () => {
    expect(live!.results.map((result) => result.id).sort()).toEqual([...LIVE_SAMPLE].sort());
  });

  for (const id of LIVE_SAMPLE) {
    it(id, async (context) => {
      const result = live!.results.find((candidate) => candidate.id === id);
      expect(result, `${id} missing from the live results`).toBeDefined();
      const known = KNOWN_DISAGREEMENTS[id];
      const part = known?.part ?? (known ? 'both' : null);
      if (part === 'both') context.skip(`known disagreement: ${known!.diagnosis}`);
      const model = await modelVerdict(pcapOf(join(work, 'pcaps'), id), result!);
      const kernel = kernelVerdict(result!);
      if (part === 'dropped') expect(model.pending).toEqual(kernel.pending);
      else if (part === 'pending') expect(model.dropped).toEqual(kernel.dropped);
      else expect(model, `kernel ${live!.meta.kernel}`).toEqual(kernel);
    });
  }
});

if (skipReason !== null) {
  describe('kernel live', () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
}
