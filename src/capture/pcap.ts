/**
 * Classic libpcap files: a 24-byte file header, then records of a 16-byte header and the
 * captured bytes. The magic tells the byte order and whether the fraction is µs or ns.
 */
import { maxCapturedLength, MAX_RECORD_BYTES } from './limits.js';
import { RecordReader, type ReaderSetup } from './reader.js';

export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

export interface PcapFileHeader {
  littleEndian: boolean;
  /** Nanoseconds per unit of the record's fraction field: 1000 (µs magic) or 1 (ns magic). */
  nsecPerUnit: number;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linkType: number;
}

/** The four magics as read big-endian from the first four bytes; null when it is none of them. */
export function pcapMagic(magicBigEndian: number): { littleEndian: boolean; nsecPerUnit: number } | null {
  switch (magicBigEndian >>> 0) {
    case 0xa1b2c3d4:
      return { littleEndian: false, nsecPerUnit: 1000 };
    case 0xd4c3b2a1:
      return { littleEndian: true, nsecPerUnit: 1000 };
    case 0xa1b23c4d:
      return { littleEndian: false, nsecPerUnit: 1 };
    case 0x4d3cb2a1:
      return { littleEndian: true, nsecPerUnit: 1 };
    default:
      return null;
  }
}

/** Parses the file header at `at`; the caller has checked the magic and that 24 bytes are there. */
export function parsePcapFileHeader(view: DataView, at: number): PcapFileHeader {
  const magic = pcapMagic(view.getUint32(at, false));
  if (magic === null) throw new Error('parsePcapFileHeader: not a pcap magic');
  const le = magic.littleEndian;
  return {
    ...magic,
    versionMajor: view.getUint16(at + 4, le),
    versionMinor: view.getUint16(at + 6, le),
    snaplen: view.getUint32(at + 16, le),
    // The upper bits carry the FCS length and flags (LT_FCS_LENGTH etc. in libpcap); the link type is the low 16.
    linkType: view.getUint32(at + 20, le) & 0xffff,
  };
}

export class PcapReader extends RecordReader {
  private littleEndian = true;
  private nsecPerUnit = 1000;
  private snaplen = 0;
  private maxCaplen = 0;

  constructor(setup: ReaderSetup) {
    super(setup);
    this.info.format = 'pcap';
  }

  /** Reads the file header; false (with `error` set) when the file is too short for one. */
  async start(): Promise<boolean> {
    if (this.end - this.pos < PCAP_FILE_HEADER_LENGTH) {
      this.wait(PCAP_FILE_HEADER_LENGTH, -1, 0, 'file header');
      if (!(await this.refill())) return false;
    }
    const header = parsePcapFileHeader(this.view, this.pos);
    this.littleEndian = header.littleEndian;
    this.nsecPerUnit = header.nsecPerUnit;
    this.snaplen = header.snaplen;
    this.maxCaplen = maxCapturedLength(header.snaplen);
    this.frame.linkType = header.linkType;
    this.noteLinkType(header.linkType);
    this.pos += PCAP_FILE_HEADER_LENGTH;
    return true;
  }

  next(): boolean {
    const pos = this.pos;
    const available = this.end - pos;
    if (available < PCAP_RECORD_HEADER_LENGTH) return this.wait(PCAP_RECORD_HEADER_LENGTH, -1, 0);
    const view = this.view;
    const le = this.littleEndian;
    const caplen = view.getUint32(pos + 8, le);
    if (caplen > this.maxCaplen) return this.fail(pos, this.lengthFault(caplen));
    const recordLength = PCAP_RECORD_HEADER_LENGTH + caplen;
    if (available < recordLength) return this.wait(recordLength, caplen, PCAP_RECORD_HEADER_LENGTH);

    const frame = this.frame;
    frame.offset = this.base + pos;
    frame.tsSec = view.getUint32(pos, le);
    frame.tsNsec = view.getUint32(pos + 4, le) * this.nsecPerUnit;
    frame.start = pos + PCAP_RECORD_HEADER_LENGTH;
    frame.capturedLength = caplen;
    frame.originalLength = view.getUint32(pos + 12, le);
    this.pos = pos + recordLength;
    if (++frame.number === 1) this.noteFirstFrame();
    return true;
  }

  private lengthFault(caplen: number): string {
    const limit = this.maxCaplen;
    const why = limit === MAX_RECORD_BYTES ? 'the 16 MiB record cap' : `${limit} (snaplen ${this.snaplen})`;
    return `record length ${caplen} exceeds ${why}`;
  }
}
