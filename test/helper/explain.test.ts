import { describe, expect, it } from 'vitest';
import { explainLine } from '../../src/helper/explain.js';

const defaults = { position: 'segment-start' as const, loose: false, kernel: '6.18' as const };

/** Lines from kernel-ftp-helper.md §9, with what the real 6.18 kernel did. */
describe('explain: one line, as the kernel reads it', () => {
  it.each([
    ['PORT 10,77,0,1,4,1\\r\\n', '10.77.0.1', 'expectation'],
    ['port 10,77,0,1,4,3\\r\\n', '10.77.0.1', 'expectation'],
    ['PORT  10,77,0,1,4,4\\r\\n', '10.77.0.1', 'dropped'],
    ['PORT 10,76,256,1,4,7\\r\\n', '10.77.0.1', 'expectation'],
    ['PORT 10,77,9,9,4,8\\r\\n', '10.77.0.1', 'ignored'],
    ['PORT 10,77,0,1,4,13\\n', '10.77.0.1', 'dropped'],
    ['PORT 10,77,0,1,4,14,7\\r\\n', '10.77.0.1', 'dropped'],
    [' PORT 10,77,0,1,4,24\\r\\n', '10.77.0.1', 'ignored'],
    ['PORT 10,77,0,1,4,25\\r', '10.77.0.1', 'expectation'],
    ['EPRT |2|fe80::1|1045|\\r\\n', '10.77.0.1', 'dropped'],
    ['EPRT |1|10.77.0.1|0|\\r\\n', '10.77.0.1', 'dropped'],
    ['227 Entering Passive Mode v2 (10,77,0,2,4,42)\\r\\n', '10.77.0.2', 'dropped'],
    ['227 Logout.\\r\\n', '10.77.0.2', 'dropped'],
    ['227-Entering Passive Mode (10,77,0,2,4,47)\\r\\n', '10.77.0.2', 'ignored'],
    ['229 Entering Extended Passive Mode |||1075|\\r\\n', '10.77.0.2', 'dropped'],
    ['229 Entering Extended Passive Mode (!!!1074!)\\r\\n', '10.77.0.2', 'expectation'],
  ])('%s from %s: %s', (line, from, verdict) => {
    expect(explainLine(line, { ...defaults, from }).verdict).toBe(verdict);
  });

  it('says the sender is assumed when --from is not given, and names the numbers it read', () => {
    const { lines, verdict } = explainLine('PORT 192,0,2,10,156,66', defaults);
    expect(verdict).toBe('expectation');
    expect(lines.join('\n')).toMatch(/address 192\.0\.2\.10, port 40002/);
    expect(lines.join('\n')).toMatch(/assumed/);
  });

  it('mid-segment lines are never parsed', () => {
    expect(explainLine('PORT 192,0,2,10,156,66', { ...defaults, position: 'mid-segment' }).verdict).toBe('not-parsed');
  });

  it('loose=1 accepts a foreign address; the 2026 parser drops an octet over 255', () => {
    expect(explainLine('PORT 10,77,9,9,4,8', { ...defaults, from: '10.77.0.1', loose: true }).verdict).toBe('expectation');
    expect(explainLine('PORT 10,76,256,1,4,7', { ...defaults, from: '10.77.0.1', kernel: '2026' }).verdict).toBe('dropped');
  });
});
