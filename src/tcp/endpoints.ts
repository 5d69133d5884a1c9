/**
 * The Endpoint objects of new connections, shared between connections with the same
 * address and port. A trace's connections mostly go to a few servers and ports (every
 * control connection to the same ip:21, every active-mode data connection from its ip:20),
 * and each Endpoint with its address text was 100 bytes or so that lived as long as its
 * connection. Readers never change an Endpoint (its fields are readonly), so sharing one
 * is invisible to them.
 *
 * A direct-mapped cache: a slot per hash of address and port, the newest endpoint wins a
 * slot. Its size bounds what it holds, and a miss costs what making the endpoint cost before.
 */
import { formatAddress } from '../decode/address.js';
import type { Endpoint } from './types.js';

/** Slots (a power of two). */
const SLOTS = 4096;
/** Per slot in `keys`: ip version (0: empty), port, four address words. */
const KEY_FIELDS = 6;
/** Per slot in `addressKeys`: ip version (0: empty), four address words. */
const ADDRESS_FIELDS = 5;

export class EndpointCache {
  private readonly keys = new Int32Array(SLOTS * KEY_FIELDS);
  private readonly endpoints: (Endpoint | null)[] = new Array<Endpoint | null>(SLOTS).fill(null);
  private readonly addressKeys = new Int32Array(SLOTS * ADDRESS_FIELDS);
  private readonly addresses: (string | null)[] = new Array<string | null>(SLOTS).fill(null);

  /**
   * The endpoint at `offset` in `buf` (the address bytes) with `port`; w0..w3 are the address
   * as 32-bit words (w1..w3 zero for IPv4), as TupleKey reads them.
   */
  get(ipVersion: number, w0: number, w1: number, w2: number, w3: number, port: number, buf: Uint8Array, offset: number): Endpoint {
    const slot = mix(addressBits(w0, w1, w2, w3) ^ (port << 16)) & (SLOTS - 1);
    const keys = this.keys;
    const at = slot * KEY_FIELDS;
    const cached = this.endpoints[slot]!;
    if (
      cached !== null &&
      keys[at] === ipVersion &&
      keys[at + 1] === port &&
      keys[at + 2] === w0 &&
      keys[at + 3] === w1 &&
      keys[at + 4] === w2 &&
      keys[at + 5] === w3
    ) {
      return cached;
    }
    const endpoint: Endpoint = { ipVersion, address: this.address(ipVersion, w0, w1, w2, w3, buf, offset), port };
    keys[at] = ipVersion;
    keys[at + 1] = port;
    keys[at + 2] = w0;
    keys[at + 3] = w1;
    keys[at + 4] = w2;
    keys[at + 5] = w3;
    this.endpoints[slot] = endpoint;
    return endpoint;
  }

  /** The address text, shared as well: a host's connections on other ports (data connections) reuse it. */
  private address(ipVersion: number, w0: number, w1: number, w2: number, w3: number, buf: Uint8Array, offset: number): string {
    const slot = mix(addressBits(w0, w1, w2, w3)) & (SLOTS - 1);
    const keys = this.addressKeys;
    const at = slot * ADDRESS_FIELDS;
    const cached = this.addresses[slot]!;
    if (cached !== null && keys[at] === ipVersion && keys[at + 1] === w0 && keys[at + 2] === w1 && keys[at + 3] === w2 && keys[at + 4] === w3) {
      return cached;
    }
    const text = formatAddress(buf, offset, ipVersion);
    keys[at] = ipVersion;
    keys[at + 1] = w0;
    keys[at + 2] = w1;
    keys[at + 3] = w2;
    keys[at + 4] = w3;
    this.addresses[slot] = text;
    return text;
  }
}

/** The four address words folded into 32 bits (w1..w3, zero for IPv4, fold to nothing), for mix(). */
function addressBits(w0: number, w1: number, w2: number, w3: number): number {
  return w0 ^ Math.imul(w1, 0x27d4eb2f) ^ Math.imul(w2, 0x165667b1) ^ Math.imul(w3, 0x9e3779b1);
}

/** MurmurHash3's finalizer: every input bit moves the low bits that pick a slot. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
