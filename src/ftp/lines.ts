/**
 * Splits one direction of a control connection's stream view into lines. Handles CRLF
 * and bare LF, Telnet IAC sequences (RFC 959 §4.1.3: the control connection is a
 * Telnet NVT; clients send IAC IP / IAC DM before ABOR), lines split over segments and
 * several lines in one segment. A gap drops the partial line and resynchronises at the
 * next line feed. Lines longer than the cap are cut (with the rest of the line skipped)
 * instead of buffered without bound.
 */
import type { FrameRef } from '../findings.js';

/** Zeek caps commands at 100 bytes by default; real replies (MLST, FEAT, 211-) run longer. */
export const MAX_LINE_BYTES = 8192;
const INITIAL_LINE_BYTES = 128;

const IAC = 0xff;
const TELNET_SB = 0xfa;
const TELNET_SE = 0xf0;
const TELNET_WILL = 0xfb;
const TELNET_DONT = 0xfe;

export interface Line {
  /** Text without the line ending, decoded as UTF-8 (RFC 2640) with Telnet commands removed. */
  text: string;
  /** Every frame that carried a byte of the line, in order; a split command names several. */
  frames: FrameRef[];
  /** Line ended by bare LF rather than CRLF. */
  bareLf: boolean;
  /** Bytes were skipped (cap) or lost (gap) inside or before this line. */
  damaged: 'none' | 'too-long' | 'after-gap';
  /** Telnet IAC sequences removed from the line (IP, DM, ...), for ABOR detection. */
  telnetCommands: number;
  /** The line ended the stream without a line feed. */
  unterminated: boolean;
}

export type LineHandler = (line: Line) => void;

const enum TelnetState {
  Data = 0,
  Iac = 1,
  Option = 2,
  Subnegotiation = 3,
  SubnegotiationIac = 4,
}

export class LineSplitter {
  /** Grows on demand up to the cap: most lines are short, and a trace can hold many sessions. */
  private buffer: Uint8Array;
  private length = 0;
  private frames: FrameRef[] = [];
  private skipping = false;
  private damaged: Line['damaged'] = 'none';
  private telnet = TelnetState.Data;
  private telnetCommands = 0;
  /** After a gap, nothing is parsed until the next line feed: the line's start was lost. */
  private resyncing = false;

  constructor(
    private readonly onLine: LineHandler,
    private readonly maxLineBytes: number = MAX_LINE_BYTES,
    /**
     * Whether bytes right after a gap look like the start of a line (a command word, a
     * reply code): lost bytes usually end at a segment boundary, which is a line boundary
     * in most FTP traffic, so we resume there instead of throwing the line away.
     */
    private readonly looksLikeLineStart: (bytes: Uint8Array) => boolean = () => false,
  ) {
    this.buffer = new Uint8Array(Math.min(INITIAL_LINE_BYTES, maxLineBytes));
  }

  push(bytes: Uint8Array, fileIndex: number, frame: number): void {
    let noted = false;
    if (this.resyncing && this.looksLikeLineStart(bytes)) {
      this.resyncing = false;
      this.damaged = 'after-gap';
    }
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (this.resyncing) {
        if (byte === 0x0a) {
          this.resyncing = false;
          this.damaged = 'after-gap';
        }
        continue;
      }
      if (!noted && !this.skipping) {
        const last = this.frames[this.frames.length - 1];
        if (last === undefined || last.frame !== frame || last.fileIndex !== fileIndex) this.frames.push({ fileIndex, frame });
        noted = true;
      }
      if (this.telnet !== TelnetState.Data || byte === IAC) {
        if (this.telnetByte(byte)) this.append(IAC);
        continue;
      }
      if (byte === 0x0a) {
        this.emit(false);
        noted = false;
        continue;
      }
      this.append(byte);
    }
  }

  /** `length` bytes of this direction were never captured. */
  gap(_length: number): void {
    this.clear();
    this.resyncing = true;
  }

  /** End of the stream: a line without a line feed is still reported. */
  end(): void {
    if (this.length > 0 || this.skipping) this.emit(true);
  }

  /** Feeds one byte of a Telnet sequence; returns true when it stands for a data byte 0xFF. */
  private telnetByte(byte: number): boolean {
    switch (this.telnet) {
      case TelnetState.Data:
        this.telnet = TelnetState.Iac;
        return false;
      case TelnetState.Iac:
        if (byte === IAC) {
          this.telnet = TelnetState.Data;
          return true;
        }
        this.telnetCommands++;
        if (byte >= TELNET_WILL && byte <= TELNET_DONT) this.telnet = TelnetState.Option;
        else if (byte === TELNET_SB) this.telnet = TelnetState.Subnegotiation;
        else this.telnet = TelnetState.Data;
        return false;
      case TelnetState.Option:
        this.telnet = TelnetState.Data;
        return false;
      case TelnetState.Subnegotiation:
        if (byte === IAC) this.telnet = TelnetState.SubnegotiationIac;
        return false;
      case TelnetState.SubnegotiationIac:
        this.telnet = byte === TELNET_SE ? TelnetState.Data : TelnetState.Subnegotiation;
        return false;
    }
  }

  private append(byte: number): void {
    if (this.length < this.buffer.length) {
      this.buffer[this.length++] = byte;
    } else if (this.length < this.maxLineBytes) {
      const grown = new Uint8Array(Math.min(this.buffer.length * 2, this.maxLineBytes));
      grown.set(this.buffer);
      this.buffer = grown;
      this.buffer[this.length++] = byte;
    } else {
      this.skipping = true;
      this.damaged = 'too-long';
    }
  }

  private emit(unterminated: boolean): void {
    let end = this.length;
    const crlf = end > 0 && this.buffer[end - 1] === 0x0d;
    if (crlf) end--;
    this.onLine({
      text: Buffer.from(this.buffer.buffer, this.buffer.byteOffset, end).toString('utf8'),
      frames: this.frames,
      bareLf: !crlf && !unterminated,
      damaged: this.damaged,
      telnetCommands: this.telnetCommands,
      unterminated,
    });
    this.clear();
  }

  private clear(): void {
    this.length = 0;
    this.frames = [];
    this.skipping = false;
    this.damaged = 'none';
    this.telnetCommands = 0;
    this.telnet = TelnetState.Data;
  }
}
