/**
 * The quick reading of argv (src/cli/args.ts) must never disagree with yargs: whatever it
 * accepts, yargs reads to the same command; everything else it leaves to yargs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quickCommand } from '../../src/cli/args.js';
import { yargsCommand } from '../../src/cli/yargs-cli.js';

const VERSION = '9.9.9';

async function agree(argv: string[]): Promise<boolean> {
  const quick = quickCommand(argv, VERSION);
  if (quick === null) return false;
  expect(quick).toEqual(await yargsCommand(argv, VERSION, 100));
  return true;
}

describe('quick argv reading', () => {
  it.each([
    [['--version']],
    [['-V']],
    [['analyze', 'a.pcap']],
    [['analyze', '-q', '-f', 'json', 'a.pcap', 'b.pcap']],
    [['analyze', '-', '--format=zeek']],
    [['analyze', '--kernel', '2026', '--loose', '--helper-ports', '21,2121', 'a.pcap']],
    [['analyze', '--kernel=6.18', '--no-helper', '--show-credentials', 'a.pcap']],
    [['analyze', '--nat', '10.0.0.5=203.0.113.7', 'a.pcap', '--nat', '10.0.0.6=203.0.113.8']],
    [['analyze', '--control-ports', '2121', '0123', '1e3']],
  ])('takes the common case %j and agrees with yargs', async (argv) => {
    expect(await agree(argv)).toBe(true);
  });

  it.each([
    [['analyze']],
    [['analyze', '-f', 'xml', 'a.pcap']],
    [['analyze', '-f', 'json', '-f', 'zeek', 'a.pcap']],
    [['analyze', '-qf', 'json', 'a.pcap']],
    [['analyze', '-q', 'true', 'a.pcap']],
    [['analyze', '--helper-ports', '99999', 'a.pcap']],
    [['analyze', '--nat', 'nonsense', 'a.pcap']],
    [['analyze', '--help']],
    [['analyze', '--', 'a.pcap']],
    [['analyze', '--quiet=false', 'a.pcap']],
    [['explain', 'PORT 1,2,3,4,5,6']],
    [['--version', 'analyze']],
    [[]],
  ])('leaves %j to yargs', (argv) => {
    expect(quickCommand(argv, VERSION)).toBeNull();
  });

  it('agrees with yargs on generated command lines', async () => {
    const token = fc.constantFrom(
      'a.pcap', '-', 'true', '', '21', '-q', '--quiet', '-f', '--format', 'json', 'table', 'xml', '--format=ndjson',
      '--kernel', '6.18', '2026', '--kernel=2026', '--nat', '10.0.0.1=192.0.2.1', 'x=y=z', '--loose', '--helper',
      '--no-helper', '--show-credentials', '--helper-ports', '21,2121', '0', '--control-ports', '--control-ports=',
      '--', '-V', '--help', '--frobnicate', '-x',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 7 }), async (rest) => {
        await agree(['analyze', ...rest]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('usage errors yargs used to mishandle', () => {
  it('--kernel takes 6.18 and 2026 (yargs-parser read them as numbers)', async () => {
    for (const kernel of ['6.18', '2026']) {
      const command = await yargsCommand(['analyze', '--kernel', kernel, 'a.pcap', '--nat', 'a=b', '--nat', 'c=d'], VERSION, 100);
      expect(command).toMatchObject({ kind: 'analyze', job: { options: { helper: { kernel, nat: [{ private: 'a' }, { private: 'c' }] } } } });
    }
  });

  it('a repeated --format is a usage error, not a crash', async () => {
    expect(await yargsCommand(['analyze', '-f', 'json', '-f', 'zeek', 'a.pcap'], VERSION, 100)).toEqual({
      kind: 'usage-error',
      message: '--format given more than once',
    });
  });
});
