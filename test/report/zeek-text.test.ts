/**
 * The zeek log's times, written digit by digit, are what toFixed(6) writes (the log's
 * `ts` column): epoch times of capture timestamps, and odd ones that take the slow path.
 */
import { describe, expect, it } from 'vitest';
import { TextBuilder } from '../../src/report/text-builder.js';
import { zeekSeconds } from '../../src/report/zeek.js';
import { seededRandom } from '../support/random.js';

describe('zeekSeconds', () => {
  it('writes what toFixed(6) writes', () => {
    const random = seededRandom(5);
    const samples = [0, 0.5, 0.0000005, 0.0000015, 1.0000005, 1700000000.1234565, 4294967295.9999995, 4294967296.5, -1.5, 1e21, NaN, Infinity];
    for (let i = 0; i < 20000; i++) {
      const sec = Math.floor(random() * 2 ** 32);
      // As a pcap's timestamps make them: seconds and micro- or nanoseconds.
      samples.push(sec + Math.floor(random() * 1e6) / 1e6, sec + Math.floor(random() * 1e9) / 1e9, random() * 1e4);
    }
    const out = new TextBuilder(4);
    for (const sample of samples) {
      zeekSeconds(out.reset(), sample);
      expect(out.toString()).toBe(sample.toFixed(6));
    }
  });
});
