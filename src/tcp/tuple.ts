/**
 * A connection's 4-tuple as plain numbers: the addresses as 32-bit words, read once per
 * packet from the frame buffer. Hashing and matching numbers costs less than walking the
 * address bytes for every chain entry, and a connection keeps its identity without copying
 * bytes into an ArrayBuffer of its own (an allocation V8 makes expensive).
 */
import type { DecodedPacket } from '../decode/packet.js';

export class TupleKey {
  ipVersion = 0;
  /** A is the source of the packet the key was read from. */
  portA = 0;
  portB = 0;
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  /** Same for both directions; small enough to stay a V8 Smi as a Map key. */
  hash = 0;

  /** Reads the packet's tuple (source as A) and its direction-free hash. */
  read(pkt: DecodedPacket): void {
    const buf = pkt.buffer;
    const src = pkt.srcAddrOffset;
    const dst = pkt.dstAddrOffset;
    this.ipVersion = pkt.ipVersion;
    this.portA = pkt.srcPort;
    this.portB = pkt.dstPort;
    this.a0 = word(buf, src);
    this.b0 = word(buf, dst);
    if (pkt.ipVersion === 6) {
      this.a1 = word(buf, src + 4);
      this.a2 = word(buf, src + 8);
      this.a3 = word(buf, src + 12);
      this.b1 = word(buf, dst + 4);
      this.b2 = word(buf, dst + 8);
      this.b3 = word(buf, dst + 12);
    } else {
      this.a1 = this.a2 = this.a3 = this.b1 = this.b2 = this.b3 = 0;
    }
    const a = endpointHash(this.a0, this.a1, this.a2, this.a3, this.portA);
    const b = endpointHash(this.b0, this.b1, this.b2, this.b3, this.portB);
    // Addition commutes, so both directions hash alike; the final mix spreads the sum.
    this.hash = finalMix((a + b) | 0) & 0x3fffffff;
  }

  assign(from: TupleKey): void {
    this.ipVersion = from.ipVersion;
    this.portA = from.portA;
    this.portB = from.portB;
    this.a0 = from.a0;
    this.a1 = from.a1;
    this.a2 = from.a2;
    this.a3 = from.a3;
    this.b0 = from.b0;
    this.b1 = from.b1;
    this.b2 = from.b2;
    this.b3 = from.b3;
    this.hash = from.hash;
  }

  /** 1 when `packet` (read into a key) goes from this key's A to B, 2 from B to A, 0 when it is another tuple. */
  match(packet: TupleKey): 0 | 1 | 2 {
    if (packet.ipVersion !== this.ipVersion) return 0;
    if (
      packet.portA === this.portA &&
      packet.portB === this.portB &&
      packet.a0 === this.a0 &&
      packet.b0 === this.b0 &&
      packet.a1 === this.a1 &&
      packet.a2 === this.a2 &&
      packet.a3 === this.a3 &&
      packet.b1 === this.b1 &&
      packet.b2 === this.b2 &&
      packet.b3 === this.b3
    ) {
      return 1;
    }
    if (
      packet.portA === this.portB &&
      packet.portB === this.portA &&
      packet.a0 === this.b0 &&
      packet.b0 === this.a0 &&
      packet.a1 === this.b1 &&
      packet.a2 === this.b2 &&
      packet.a3 === this.b3 &&
      packet.b1 === this.a1 &&
      packet.b2 === this.a2 &&
      packet.b3 === this.a3
    ) {
      return 2;
    }
    return 0;
  }
}

function word(buf: Uint8Array, at: number): number {
  return (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
}

/** MurmurHash3 (x86, 32-bit) rounds over the address words, seeded with the port. */
function endpointHash(w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = mixRound(port, w0);
  if ((w1 | w2 | w3) !== 0) {
    h = mixRound(h, w1);
    h = mixRound(h, w2);
    h = mixRound(h, w3);
  }
  return h;
}

function mixRound(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
