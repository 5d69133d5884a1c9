/**
 * A finding is odd traffic worth telling the user about (Wireshark's "expert info"):
 * never an exception. Every stage appends to the same list through a FindingSink.
 */
export type Severity = 'info' | 'note' | 'warning' | 'error';

export interface FrameRef {
  fileIndex: number;
  frame: number;
}

export interface Finding {
  /** Stable identifier, e.g. "ip.fragment", "tcp.overlap-different", "ftp.port.address-mismatch". */
  code: string;
  severity: Severity;
  message: string;
  frames: FrameRef[];
  /** FTP control session id, when the finding belongs to one. */
  session?: number;
  /** TCP connection id, when the finding belongs to one. */
  connection?: number;
}

export type FindingSink = (finding: Finding) => void;
