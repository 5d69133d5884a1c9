/**
 * pcapng: a sequence of blocks (type, total length, body, total length again). A Section
 * Header Block starts each section and fixes its byte order; Interface Description Blocks
 * give each interface its link type and timestamp resolution; packets come in Enhanced,
 * Simple or obsolete Packet Blocks. Everything else is skipped by its length.
 */
import type { Frame } from './frame.js';
import { maxCapturedLength, MAX_RECORD_BYTES } from './limits.js';
import { RecordReader, type ReaderSetup } from './reader.js';
import { DEFAULT_TSRESOL, setPcapngTimestamp, tsResolution, type TsResolution } from './timestamp.js';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_OBSOLETE_PACKET = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_EPB = 0x00000006;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Type and length are enough for any block, and the SHB needs its byte-order magic too. */
const BLOCK_PREFIX_LENGTH = 12;
const MIN_SHB_LENGTH = 28;
const MIN_IDB_LENGTH = 20;
const MIN_EPB_LENGTH = 32;
const MIN_SPB_LENGTH = 16;
const EPB_DATA_OFFSET = 28;
const SPB_DATA_OFFSET = 12;

const OPT_END = 0;
const OPT_COMMENT = 1;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** An interface as the packet blocks need it. */
export interface PcapngInterface {
  linkType: number;
  /** 0 means "no limit" in pcapng. */
  snaplen: number;
  maxCaplen: number;
  resolution: TsResolution;
  name: string | null;
  comments: string[];
}

export interface SectionHeader {
  littleEndian: boolean;
  versionMajor: number;
  versionMinor: number;
  comments: string[];
}

const utf8 = new TextDecoder('utf-8');

/** The section's byte order from the SHB at `at`, or null when the byte-order magic is neither. */
export function sectionByteOrder(view: DataView, at: number): boolean | null {
  const magic = view.getUint32(at + 8, true);
  if (magic === BYTE_ORDER_MAGIC) return true;
  if (magic === 0x4d3c2b1a) return false;
  return null;
}

/**
 * Calls `visit` for each option in [from, to). Malformed options end the walk quietly:
 * they only carry comments and resolutions, not worth losing the packets over.
 */
export function forEachOption(
  view: DataView,
  from: number,
  to: number,
  le: boolean,
  visit: (code: number, valueAt: number, length: number) => void,
): void {
  let at = from;
  while (at + 4 <= to) {
    const code = view.getUint16(at, le);
    const length = view.getUint16(at + 2, le);
    if (code === OPT_END || at + 4 + length > to) return;
    visit(code, at + 4, length);
    at += 4 + ((length + 3) & ~3);
  }
}

function optionText(view: DataView, at: number, length: number): string {
  return utf8.decode(new Uint8Array(view.buffer, view.byteOffset + at, length));
}

export function parseSectionHeader(view: DataView, at: number, total: number, le: boolean): SectionHeader {
  const comments: string[] = [];
  forEachOption(view, at + 24, at + total - 4, le, (code, valueAt, length) => {
    if (code === OPT_COMMENT) comments.push(optionText(view, valueAt, length));
  });
  return {
    littleEndian: le,
    versionMajor: view.getUint16(at + 12, le),
    versionMinor: view.getUint16(at + 14, le),
    comments,
  };
}

export function parseInterfaceDescription(view: DataView, at: number, total: number, le: boolean): PcapngInterface {
  const comments: string[] = [];
  let name: string | null = null;
  let tsresol = DEFAULT_TSRESOL;
  let tsoffset = 0;
  forEachOption(view, at + 16, at + total - 4, le, (code, valueAt, length) => {
    if (code === OPT_COMMENT) comments.push(optionText(view, valueAt, length));
    else if (code === OPT_IF_NAME) name = optionText(view, valueAt, length);
    else if (code === OPT_IF_TSRESOL && length >= 1) tsresol = view.getUint8(valueAt);
    else if (code === OPT_IF_TSOFFSET && length >= 8) tsoffset = Number(view.getBigInt64(valueAt, le));
  });
  const snaplen = view.getUint32(at + 12, le);
  return {
    linkType: view.getUint16(at + 8, le),
    snaplen,
    maxCaplen: maxCapturedLength(snaplen),
    resolution: tsResolution(tsresol, tsoffset),
    name,
    comments,
  };
}

/** Checks the generic block framing; returns what is wrong, or null. */
export function blockLengthFault(total: number): string | null {
  if (total < 12) return `block length ${total} is less than 12`;
  if (total % 4 !== 0) return `block length ${total} is not a multiple of 4`;
  if (total > MAX_RECORD_BYTES) return `block length ${total} exceeds the 16 MiB cap`;
  return null;
}

function interfaceFault(interfaceId: number, count: number): string {
  return count === 0
    ? 'packet before any interface description block'
    : `packet references unknown interface ${interfaceId} (section has ${count})`;
}

function capturedLengthFault(caplen: number, room: number, iface: PcapngInterface): string | null {
  if (caplen > room) return `captured length ${caplen} exceeds block room ${room}`;
  if (caplen > iface.maxCaplen) {
    const limit = iface.maxCaplen === MAX_RECORD_BYTES ? 'the 16 MiB record cap' : `${iface.maxCaplen} (snaplen ${iface.snaplen})`;
    return `record length ${caplen} exceeds ${limit}`;
  }
  return null;
}

/**
 * Enhanced Packet Block (type 6) and the obsolete Packet Block (type 2) share a layout but
 * for the interface id, 32 bits in the former, 16 (then a drops count) in the latter.
 * Fills `frame` and returns null, or returns what is wrong and leaves `frame` untouched.
 */
export function readPacketBlock(
  view: DataView,
  at: number,
  total: number,
  le: boolean,
  obsolete: boolean,
  interfaces: PcapngInterface[],
  frame: Frame,
): string | null {
  if (total < MIN_EPB_LENGTH) return `packet block length ${total} is less than ${MIN_EPB_LENGTH}`;
  const interfaceId = obsolete ? view.getUint16(at + 8, le) : view.getUint32(at + 8, le);
  if (interfaceId >= interfaces.length) return interfaceFault(interfaceId, interfaces.length);
  const iface = interfaces[interfaceId]!;
  const caplen = view.getUint32(at + 20, le);
  const fault = capturedLengthFault(caplen, total - MIN_EPB_LENGTH, iface);
  if (fault !== null) return fault;
  setPcapngTimestamp(frame, view.getUint32(at + 12, le), view.getUint32(at + 16, le), iface.resolution);
  frame.linkType = iface.linkType;
  frame.start = at + EPB_DATA_OFFSET;
  frame.capturedLength = caplen;
  frame.originalLength = view.getUint32(at + 24, le);
  return null;
}

/**
 * Simple Packet Block (type 3): always the section's first interface, no captured length
 * (it is the smallest of the original length, the snaplen and the room in the block, the
 * room including padding) and no timestamp: the frame keeps the previous packet's time,
 * which keeps the merge order and durations sane.
 */
export function readSimplePacket(
  view: DataView,
  at: number,
  total: number,
  le: boolean,
  interfaces: PcapngInterface[],
  frame: Frame,
): string | null {
  if (total < MIN_SPB_LENGTH) return `simple packet block length ${total} is less than ${MIN_SPB_LENGTH}`;
  const iface = interfaces[0];
  if (iface === undefined) return interfaceFault(0, 0);
  const originalLength = view.getUint32(at + 8, le);
  let caplen = Math.min(originalLength, total - MIN_SPB_LENGTH);
  if (iface.snaplen !== 0 && iface.snaplen < caplen) caplen = iface.snaplen;
  if (caplen > iface.maxCaplen) return capturedLengthFault(caplen, caplen, iface);
  frame.linkType = iface.linkType;
  frame.start = at + SPB_DATA_OFFSET;
  frame.capturedLength = caplen;
  frame.originalLength = originalLength;
  return null;
}

export class PcapngReader extends RecordReader {
  private littleEndian = true;
  /** Interfaces of the current section; ids restart at 0 with each section. */
  private interfaces: PcapngInterface[] = [];

  constructor(setup: ReaderSetup) {
    super(setup);
    this.info.format = 'pcapng';
  }

  next(): boolean {
    const frame = this.frame;
    for (;;) {
      const pos = this.pos;
      const available = this.end - pos;
      if (available < BLOCK_PREFIX_LENGTH) return this.wait(BLOCK_PREFIX_LENGTH, -1, 0);
      const view = this.view;
      const type = view.getUint32(pos, this.littleEndian);
      let le = this.littleEndian;
      if (type === BLOCK_SHB) {
        // The SHB type reads the same in both orders; its byte-order magic says which this section uses.
        const order = sectionByteOrder(view, pos);
        if (order === null) {
          return this.fail(pos, `bad byte-order magic 0x${view.getUint32(pos + 8, false).toString(16).padStart(8, '0')}`);
        }
        le = order;
      }
      const total = view.getUint32(pos + 4, le);
      const lengthFault = blockLengthFault(total);
      if (lengthFault !== null) return this.fail(pos, lengthFault);
      if (available < total) return this.wait(total, total, 0);
      const trailing = view.getUint32(pos + total - 4, le);
      if (trailing !== total) return this.fail(pos, `block trailing length ${trailing} does not match ${total}`);

      if (type === BLOCK_EPB || type === BLOCK_OBSOLETE_PACKET || type === BLOCK_SPB) {
        const fault =
          type === BLOCK_SPB
            ? readSimplePacket(view, pos, total, le, this.interfaces, frame)
            : readPacketBlock(view, pos, total, le, type === BLOCK_OBSOLETE_PACKET, this.interfaces, frame);
        if (fault !== null) return this.fail(pos, fault);
        frame.offset = this.base + pos;
        this.pos = pos + total;
        if (++frame.number === 1) this.noteFirstFrame();
        return true;
      }
      if (type === BLOCK_SHB) {
        if (!this.startSection(pos, total, le)) return false;
      } else if (type === BLOCK_IDB) {
        if (total < MIN_IDB_LENGTH) return this.fail(pos, `interface description block length ${total} is less than ${MIN_IDB_LENGTH}`);
        const iface = parseInterfaceDescription(view, pos, total, le);
        this.interfaces.push(iface);
        this.noteLinkType(iface.linkType);
        this.info.comments.push(...iface.comments);
      }
      this.pos = pos + total;
    }
  }

  private startSection(pos: number, total: number, le: boolean): boolean {
    if (total < MIN_SHB_LENGTH) return this.fail(pos, `section header block length ${total} is less than ${MIN_SHB_LENGTH}`);
    const section = parseSectionHeader(this.view, pos, total, le);
    if (section.versionMajor !== 1) {
      return this.fail(pos, `unsupported pcapng version ${section.versionMajor}.${section.versionMinor}`);
    }
    this.littleEndian = le;
    this.interfaces = [];
    this.info.comments.push(...section.comments);
    return true;
  }
}
