import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../../src/ftp/addresses.js';
import { canonicalAddress, parse227, parse229, parseEprt, parseLongAddress, parsePort } from '../../src/ftp/setup.js';

describe('PORT', () => {
  it.each([
    ['192,0,2,10,156,66', '192.0.2.10', 40002, []],
    [' 10, 1, 1, 7, 4, 1 ', '10.1.1.7', 1025, []],
  ])('%s', (argument, address, port, problems) => {
    expect(parsePort(argument)).toEqual({ kind: 'PORT', address, ipVersion: 4, port, problems });
  });

  it('flags five numbers and reads no endpoint', () => {
    const parsed = parsePort('192,0,2,10,156');
    expect(parsed.port).toBeNull();
    expect(parsed.problems[0]).toMatch(/5 numbers/);
  });

  it('flags a port byte over 255 and keeps 16 bits, as the kernel and tshark do', () => {
    const parsed = parsePort('192,0,2,10,300,10');
    expect(parsed.port).toBe((300 * 256 + 10) & 0xffff);
    expect(parsed.problems.join()).toMatch(/port bytes 300,10/);
  });

  it('flags an address byte over 255', () => {
    expect(parsePort('192,0,2,999,1,1').problems.join()).toMatch(/byte 4 is 999/);
  });

  it('flags garbage', () => {
    expect(parsePort('hello').problems.length).toBeGreaterThan(0);
    expect(parsePort('hello').port).toBeNull();
  });

  it('reads the plain six numbers in place as the full reading does (a leading space takes the full reading)', () => {
    const number = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('0', '00', '007', '255', '256', '1000', ''));
    const argument = fc.array(number, { minLength: 0, maxLength: 8 }).chain((numbers) =>
      fc.constantFrom(',', ', ', ',,', ' ,').map((comma) => numbers.join(comma)));
    fc.assert(fc.property(argument, (text) => {
      expect(parsePort(text)).toEqual(parsePort(` ${text}`));
    }), { numRuns: 5000 });
    expect(parsePort('10,0,0,1,200,10')).toEqual({ kind: 'PORT', address: '10.0.0.1', ipVersion: 4, port: 51210, problems: [] });
    expect(parsePort('10,0,0,1,0,0').problems).toEqual(['port 0']);
  });
});

describe('isPrivateAddress', () => {
  it.each([
    ['10.0.0.1', true], ['172.16.3.4', true], ['172.32.0.1', false], ['192.168.1.1', true], ['100.64.0.1', true],
    ['169.254.1.1', true], ['127.0.0.1', true], ['198.51.100.7', false], ['fd00::1', true], ['2001:db8::1', false],
    ['::ffff:10.1.2.3', true], ['::1', true],
  ])('%s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('reads dotted text in place as the split reading does (a leading space takes the split reading)', () => {
    const text = fc.array(fc.constantFrom(...'0123456789.'), { maxLength: 16 }).map((chars) => chars.join(''));
    const dotted = fc.tuple(fc.integer({ min: 0, max: 1200 }), fc.integer({ min: 0, max: 300 }), fc.constantFrom('', '.1', '.0.1', '.x'))
      .map(([a, b, rest]) => `${a}.${b}${rest}`);
    fc.assert(fc.property(fc.oneof(text, dotted), (address) => {
      expect(isPrivateAddress(address)).toBe(isPrivateAddress(` ${address}`));
    }), { numRuns: 5000 });
  });
});

describe('227 (RFC 1123 scan)', () => {
  it.each([
    ['Entering Passive Mode (198,51,100,20,195,80)', '198.51.100.20', 50000],
    ['Entering passive mode. 198,51,100,20,195,80', '198.51.100.20', 50000],
    ['=198,51,100,20,195,80', '198.51.100.20', 50000],
    ['Entering Passive Mode (10, 0, 0, 5, 195, 81).', '10.0.0.5', 50001],
  ])('%s', (text, address, port) => {
    const parsed = parse227(text);
    expect([parsed.address, parsed.port, parsed.problems]).toEqual([address, port, []]);
  });

  it('reports a reply without numbers', () => {
    expect(parse227('Entering Passive Mode').port).toBeNull();
  });
});

describe('EPRT', () => {
  it.each([
    ['|1|192.0.2.10|40002|', 4, '192.0.2.10', 40002],
    ['|2|2001:DB8:0:0:0:0:0:1|5282|', 6, '2001:db8::1', 5282],
    ['!2!::ffff:192.0.2.1!21!', 6, '::ffff:192.0.2.1', 21],
  ])('%s', (argument, ipVersion, address, port) => {
    expect(parseEprt(argument)).toEqual({ kind: 'EPRT', address, ipVersion, port, problems: [] });
  });

  it.each(['|3|1.2.3.4|5|', '|1|1.2.3|5|', '|1|1.2.3.4|70000|', '1|1.2.3.4|5|', '|1|1.2.3.4|5'])('flags %s', (argument) => {
    expect(parseEprt(argument).problems.length).toBeGreaterThan(0);
  });
});

describe('229', () => {
  it('reads the port', () => {
    expect(parse229('Entering Extended Passive Mode (|||50000|)')).toEqual({ kind: 'EPSV', address: null, ipVersion: null, port: 50000, problems: [] });
  });
  it('accepts another delimiter', () => {
    expect(parse229('Entering Extended Passive Mode (!!!50000!)').port).toBe(50000);
  });
  it('flags a missing port', () => {
    expect(parse229('Entering Extended Passive Mode').problems.length).toBe(1);
  });
});

describe('LPRT / 228', () => {
  it('reads an IPv4 long address', () => {
    expect(parseLongAddress('LPRT', '4,4,192,0,2,10,2,156,66')).toMatchObject({ address: '192.0.2.10', port: 40002, problems: [] });
  });
  it('reads an IPv6 long address', () => {
    const parsed = parseLongAddress('LPSV', 'Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,1)');
    expect(parsed).toMatchObject({ address: '2001:db8::1', port: 1025, ipVersion: 6, problems: [] });
  });
});

describe('canonicalAddress', () => {
  it.each([
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['fe80::1', 'fe80::1'],
    ['::', '::'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
  ])('%s → %s', (text, canonical) => {
    expect(canonicalAddress(text, 6)).toBe(canonical);
  });
  it.each(['1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7'])('rejects %s', (text) => {
    expect(canonicalAddress(text, 6)).toBeNull();
  });
});
