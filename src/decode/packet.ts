/**
 * The contract between the header decoders and the TCP stage: one reused record per
 * frame, filled by decodeFrame(). Addresses are offsets into `buffer` (no copies); use
 * the helpers in address.ts to hash or format them when a connection is first seen.
 */
export interface DecodedPacket {
  buffer: Uint8Array;
  /** Offset in buffer of the IP header and of the TCP header (the TCP one is 0 when there is none). */
  ipOffset: number;
  /** IPv4 identification field; -1 for IPv6. Senders number their packets with it, so a gap shows a packet that never reached the capture. */
  ipId: number;
  tcpOffset: number;
  /** 4 or 6 (0 when the frame carried no IP packet). */
  ipVersion: number;
  /** Offset of the source / destination address bytes in buffer (4 bytes for IPv4, 16 for IPv6). */
  srcAddrOffset: number;
  dstAddrOffset: number;
  /** Upper-layer protocol after IPv6 extension headers (6 = TCP). */
  ipProtocol: number;
  /** Outer VLAN id and depth of the 802.1Q/802.1ad stack (0 when untagged). */
  vlanId: number;
  vlanDepth: number;
  /** The IP packet is a fragment (IPv4 MF/offset, or an IPv6 fragment header). */
  fragment: boolean;
  srcPort: number;
  dstPort: number;
  /** Unsigned 32-bit sequence and acknowledgement numbers. */
  seq: number;
  ack: number;
  /** TCP flags byte (FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80). */
  tcpFlags: number;
  window: number;
  /** TCP options; -1 when absent. */
  mss: number;
  windowScale: number;
  sackPermitted: boolean;
  /** Number of SACK blocks in this segment (0 when none). */
  sackBlocks: number;
  /** Timestamps option present, with its values (unsigned 32-bit). */
  hasTimestamps: boolean;
  tsVal: number;
  tsEcr: number;
  /** TCP payload: offset in buffer, length per the IP header, and how much of it was captured. */
  payloadOffset: number;
  payloadLength: number;
  payloadCaptured: number;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;

/** Why a frame did not yield a TCP segment. Counted per reason, never fatal. */
export const enum DecodeResult {
  Tcp = 0,
  /** Decoded fine but not TCP (UDP, ICMP, ARP, ...). */
  NotTcp = 1,
  /** A non-first IP fragment, or a first fragment whose TCP header is incomplete. */
  Fragment = 2,
  /** Headers cut short by the snaplen or the frame end. */
  Truncated = 3,
  /** Link type this build does not decode. */
  UnsupportedLink = 4,
  /** Header fields that cannot be right (IHL < 5, TCP data offset < 5, ...). */
  Malformed = 5,
}

export function newDecodedPacket(): DecodedPacket {
  return {
    buffer: new Uint8Array(0),
    ipOffset: 0,
    ipId: -1,
    tcpOffset: 0,
    ipVersion: 0,
    srcAddrOffset: 0,
    dstAddrOffset: 0,
    ipProtocol: 0,
    vlanId: 0,
    vlanDepth: 0,
    fragment: false,
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    tcpFlags: 0,
    window: 0,
    mss: -1,
    windowScale: -1,
    sackPermitted: false,
    sackBlocks: 0,
    hasTimestamps: false,
    tsVal: 0,
    tsEcr: 0,
    payloadOffset: 0,
    payloadLength: 0,
    payloadCaptured: 0,
  };
}
