/**
 * Per transfer: did the helper open the firewall for its data connection, and if not,
 * why, with the frames that show it and a fix. Reads the helper's per-segment record of
 * the control connection and the FTP session's setup (which frames carried the PORT /
 * 227 text); it never re-parses anything.
 */
import type { FrameRef } from '../findings.js';
import type { SessionRecord, SetupRecord, TransferRecord } from '../ftp/model.js';
import { announcementLabel } from '../ftp/setup.js';
import type { Connection } from '../tcp/types.js';
import { HelperAction } from './conntrack-ftp.js';
import type { Expectation } from './expectations.js';
import type { HelperSegmentRecord, HelperStage } from './stage.js';

export type Verdict =
  | 'expected'
  | 'ignored'
  | 'dropped'
  | 'not-attached'
  | 'unreadable'
  | 'replaced'
  | 'expired'
  | 'used-by-other'
  | 'elsewhere';

export interface HelperVerdict {
  verdict: Verdict;
  /** Stable reason code, e.g. "address-mismatch", "first-segment", "partial-match". */
  reason: string;
  message: string;
  frames: FrameRef[];
  expectation: Expectation | null;
  /** The data connection in the trace became RELATED through this session's expectation. */
  related: boolean;
  /** A data connection exists in the trace and a firewall that admits only RELATED would have rejected it. */
  rejected: boolean;
  fix: string;
}

function frameBefore(a: FrameRef, b: FrameRef): boolean {
  return a.fileIndex < b.fileIndex || (a.fileIndex === b.fileIndex && a.frame < b.frame);
}

function ref(record: HelperSegmentRecord): FrameRef {
  return { fileIndex: record.fileIndex, frame: record.frame };
}

function what(setup: SetupRecord): string {
  return setup.announcedBy === 'client' ? setup.command.command : announcementLabel(setup.announcement.kind);
}

export function ruleFix(port: number): string {
  const name = port === 21 ? 'ftp' : `ftp-${port}`;
  return `attach the helper to port ${port}: nft 'add ct helper inet filter ${name} { type "ftp" protocol tcp; }' and ` +
    `'add rule inet filter prerouting tcp dport ${port} ct helper set "${name}"'; or iptables -t raw -A PREROUTING -p tcp --dport ${port} -j CT --helper ftp; ` +
    `or Shorewall's conntrack file: CT:helper:ftp - - tcp ${port}`;
}

export function transferVerdict(session: SessionRecord, transfer: TransferRecord, helper: HelperStage): HelperVerdict | null {
  return setupVerdict(session, transfer.setup, transfer.dataConnection, helper);
}

/** The verdict for one setup and the data connection that used it (null when none did). */
export function setupVerdict(session: SessionRecord, setup: SetupRecord | null, data: Connection | null, helper: HelperStage): HelperVerdict | null {
  const control = session.connection;
  const relatedExpectation = data ? helper.related.get(data.id) ?? null : null;
  const related = relatedExpectation !== null && relatedExpectation.master === control.id;
  const result = (verdict: Verdict, reason: string, message: string, frames: FrameRef[], fix: string, expectation: Expectation | null = null): HelperVerdict => {
    const rejected = data !== null && !related;
    return {
      verdict, reason, frames, fix, expectation, related, rejected,
      message: rejected
        ? `${message}; a firewall relying on RELATED would have rejected data connection #${data.id} (frame ${data.firstFrame})`
        : message,
    };
  };

  if (!helper.isAttached(control)) {
    return result('not-attached', 'not-attached',
      `the helper is not attached to the control connection on port ${control.server.port} (helper ports: ${helper.options.ports.join(', ')})`,
      [{ fileIndex: control.firstFileIndex, frame: control.firstFrame }], ruleFix(control.server.port));
  }
  if (setup === null) return null;
  const setupFrame = setup.frames[0]!;
  if (session.tls !== null && !frameBefore(setupFrame, session.tls.frame)) {
    return result('unreadable', 'tls', 'the control channel is encrypted (TLS): the helper cannot read PORT/PASV',
      [session.tls.frame], 'open a fixed passive port range instead of relying on RELATED (vsftpd pasv_min_port/pasv_max_port, proftpd PassivePorts), or have the client send CCC after login');
  }
  if (related) {
    return result('expected', 'expectation-used', `the helper expected ${relatedExpectation.src} → ${relatedExpectation.dst}:${relatedExpectation.dport} and the data connection matched it`,
      [{ fileIndex: relatedExpectation.fileIndex, frame: relatedExpectation.frame }], '', relatedExpectation);
  }
  const trace = helper.control(control.id);
  if (!trace) return null;
  const records = trace.log.onFrames(setup.frames);
  const text = what(setup);

  const dropped = records.find((record) => record.action === HelperAction.DroppedPartial || record.clash);
  if (dropped) {
    // The sender retransmits the same bytes; each copy is parsed and dropped again.
    const copies = trace.log.droppedCopies(dropped);
    const clash = dropped.clash;
    return result('dropped', clash ? 'expectation-clash' : 'partial-match',
      clash
        ? `${text} in frame ${dropped.frame}: another control connection already expects the same endpoint, so the helper dropped the packet (and ${copies.length - 1} retransmissions)`
        : `${text} in frame ${dropped.frame} is a partial match for '${dropped.pattern}' (split over segments or malformed), so the helper dropped the packet (and ${copies.length - 1} retransmissions)`,
      copies.map(ref),
      clash ? 'only one control connection at a time can expect a given endpoint; use passive mode or different client ports'
        : `send the whole ${text} line in one segment, ending in CRLF, with one space after the command (fix the ${setup.announcedBy === 'client' ? 'client' : 'server'})`);
  }

  const first = records[0];
  if (!first) {
    return result('ignored', 'not-seen', `the helper saw no segment carrying ${text} (frame ${setupFrame.frame})`, [setupFrame], '');
  }
  switch (first.action) {
    case HelperAction.NotEstablished:
      return result('ignored', 'not-established', `${text} in frame ${first.frame} came before the conntrack saw a reply: not parsed`, [ref(first)], '');
    case HelperAction.NotAtLineStart: {
      const previous = trace.log.previousInDirection(first.direction, first.fileIndex, first.frame);
      if (!previous) {
        return result('ignored', 'first-segment', `${text} in frame ${first.frame} is the first data segment in its direction, which the helper never parses`, [ref(first)],
          'a session that sends this as its very first segment is unusual; let the greeting/login happen first');
      }
      if (previous.endsWithoutNewline) {
        return result('ignored', 'after-unterminated-segment',
          `${text} in frame ${first.frame} follows frame ${previous.frame}, which did not end with a line feed, so the helper does not know a line starts here`,
          [ref(previous), ref(first)], `make the ${setup.announcedBy === 'client' ? 'client' : 'server'} end every write with CRLF`);
      }
      return result('ignored', 'not-at-line-start', `${text} in frame ${first.frame} does not start where the helper expects a line to start`, [ref(first)], '');
    }
    case HelperAction.NoMatch: {
      const multiLine = setup.announcedBy === 'server' && setup.command.reply !== null && /^22[789]-/.test(setup.command.reply.lines[0] ?? '');
      if (multiLine) {
        return result('ignored', 'multi-line-227', `the ${text} reply in frame ${first.frame} is multi-line ('${text}-'); the helper only matches '${text} ' at the start of a segment`,
          [ref(first)], 'configure the server to send a single-line 227/229 reply');
      }
      return result('ignored', 'not-at-segment-start',
        `${text} in frame ${first.frame} is not at the start of its segment (another line came first in the same segment); the helper reads only a segment's first line`,
        [ref(first)], `send each command in its own segment, or use ${setup.announcedBy === 'client' ? 'passive mode' : 'active mode'}`);
    }
    case HelperAction.AddressMismatch: {
      const ipv6Legacy = control.client.ipVersion === 6 && (first.pattern === 'PORT' || first.pattern === '227 ');
      if (ipv6Legacy) {
        return result('ignored', 'ipv6-port', `${text} on an IPv6 control connection (frame ${first.frame}): the helper ignores PORT/227 on IPv6`,
          [ref(first)], 'use EPRT/EPSV on IPv6');
      }
      const sender = setup.announcedBy === 'client' ? control.client.address : control.server.address;
      return result('ignored', 'address-mismatch',
        `${text} in frame ${first.frame} announces ${setup.announcement.address ?? '?'}, not the sender's own address ${sender}; with loose=0 the helper records nothing`,
        [ref(first)],
        setup.announcedBy === 'client'
          ? 'the client is behind NAT and announces its private address: attach the helper on the NAT router so nf_nat_ftp rewrites the PORT, or use passive mode; loose=1 would accept it but lets a client open the firewall towards any host it names'
          : 'the server is behind NAT and announces its private address: set its public address (vsftpd pasv_address, proftpd MasqueradeAddress, pure-ftpd -P), or attach the helper on the NAT router so nf_nat_ftp rewrites the 227');
    }
    case HelperAction.Matched: {
      const expectation = first.expectation;
      if (expectation === null) return result('ignored', 'no-expectation', `${text} in frame ${first.frame} matched but registered nothing`, [ref(first)], '');
      const frames = [{ fileIndex: expectation.fileIndex, frame: expectation.frame }];
      switch (expectation.state) {
        case 'replaced':
          return result('replaced', 'replaced', `the expectation from frame ${expectation.frame} was replaced by a later setup (frame ${expectation.replacedBy}) before the data connection came: the helper keeps one per control connection`,
            frames, 'issue the transfer command right after its PORT/PASV, one at a time');
        case 'expired':
          return result('expired', 'expired', `the expectation from frame ${expectation.frame} expired (300 s, or its control connection closed) before the data connection came`, frames, '');
        case 'used':
          return result('used-by-other', 'used-by-other', `the expectation from frame ${expectation.frame} was used by connection #${expectation.usedBy}, not this transfer's data connection`, frames,
            'each PORT/PASV admits one data connection; send a new one per transfer');
        case 'pending':
          if (data === null) {
            return result('expected', 'no-data-connection', `the helper expected ${expectation.src} → ${expectation.dst}:${expectation.dport}; no data connection appears in the trace`, frames, '', expectation);
          }
          return result('elsewhere', 'data-connection-elsewhere',
            `the helper expected ${expectation.src} → ${expectation.dst}:${expectation.dport}, but the data connection went ${data.client.address} → ${data.server.address}:${data.server.port}`,
            [...frames, { fileIndex: data.firstFileIndex, frame: data.firstFrame }], 'make the data connection go where the setup announced (NAT in the path rewrites addresses: attach the helper there)', expectation);
      }
    }
  }
  return null;
}
