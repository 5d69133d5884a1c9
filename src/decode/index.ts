/** The header decoders: link → IPv4/IPv6 → TCP, into one reused DecodedPacket per frame. */
export { decodeFrame } from './decode.js';
export {
  DecodeResult,
  newDecodedPacket,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  type DecodedPacket,
} from './packet.js';
export {
  decodeResultCounts,
  decodeResultName,
  DECODE_RESULT_NAMES,
  newDecodeStats,
  type DecodeResultName,
  type DecodeStats,
} from './stats.js';
export { addressLength, formatAddress, formatEndpoint, parseAddress, type ParsedAddress } from './address.js';
export { SUPPORTED_LINK_TYPES } from './link.js';
export { linkTypeName } from './link-names.js';
