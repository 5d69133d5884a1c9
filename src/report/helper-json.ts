/**
 * The helper report's list elements (expectations, rewrites, drops, ignored setups) as
 * JSON text, written by hand into a TextBuilder: each writes what JSON.stringify writes for
 * the item as src/helper/report.ts makes it, members in the order analysis.ts lists them.
 * Why by hand: a trace of many short sessions has an item or two per session (an ignored
 * PORT each on the small bench trace), and a string from JSON.stringify for each, encoded
 * again into the builder, was most of what writing them cost.
 */
import type { DropReport, ExpectationReport, IgnoredReport, RewriteReport } from '../analysis.js';
import { asciiBytes, type TextBuilder } from './text-builder.js';

/** The members up to a list item's first value, and between the three members every item starts with. */
const HEAD = {
  fileIndex: asciiBytes('{"fileIndex":'),
  frame: asciiBytes(',"frame":'),
  session: asciiBytes(',"session":'),
};

/** fileIndex, frame and session, the members every helper list item starts with, after the opening brace. */
function writeHead(out: TextBuilder, item: { fileIndex: number; frame: number; session: number | null }): void {
  out.bytes(HEAD.fileIndex);
  out.jsonNumber(item.fileIndex);
  out.bytes(HEAD.frame);
  out.jsonNumber(item.frame);
  out.bytes(HEAD.session);
  out.jsonNumber(item.session);
}

export function writeExpectation(out: TextBuilder, item: ExpectationReport): void {
  writeHead(out, item);
  out.ascii(',"src":');
  out.jsonString(item.src);
  out.ascii(',"dst":');
  out.jsonString(item.dst);
  out.ascii(',"dport":');
  out.jsonNumber(item.dport);
  out.ascii(',"state":');
  out.jsonString(item.state);
  out.ascii(',"usedBy":');
  out.jsonNumber(item.usedBy);
  out.ascii(',"portRandom":');
  out.jsonBoolean(item.portRandom);
  out.ascii('}');
}

export function writeRewrite(out: TextBuilder, item: RewriteReport): void {
  writeHead(out, item);
  out.ascii(',"direction":');
  out.jsonString(item.direction);
  out.ascii(',"original":');
  out.jsonString(item.original);
  out.ascii(',"rewritten":');
  out.jsonString(item.rewritten);
  out.ascii(',"delta":');
  out.jsonNumber(item.delta);
  out.ascii(',"shiftAfter":');
  out.jsonNumber(item.shiftAfter);
  out.ascii(',"portCertain":');
  out.jsonBoolean(item.portCertain);
  out.ascii('}');
}

export function writeDrop(out: TextBuilder, item: DropReport): void {
  writeHead(out, item);
  out.ascii(',"reason":');
  out.jsonString(item.reason);
  out.ascii(',"message":');
  out.jsonString(item.message);
  out.ascii(',"retransmissions":[');
  const frames = item.retransmissions;
  for (let index = 0; index < frames.length; index++) {
    if (index > 0) out.ascii(',');
    out.jsonNumber(frames[index]!);
  }
  out.ascii('],"inferred":');
  out.jsonBoolean(item.inferred);
  out.ascii('}');
}

export function writeIgnored(out: TextBuilder, item: IgnoredReport): void {
  writeHead(out, item);
  out.ascii(',"reason":');
  out.jsonString(item.reason);
  out.ascii(',"message":');
  out.jsonString(item.message);
  out.ascii('}');
}
