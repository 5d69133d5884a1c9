/**
 * The helper keeps per-connection state in typed-array columns indexed by a connection's
 * number rather than in an object per connection: thousands of control connections are alive
 * at once on a large trace, and objects that live as long as a connection survive young-
 * generation GCs (copied, then promoted), which costs more than the helper's own work.
 * Columns double when full; the old ones become garbage once, not per connection.
 */

type Column = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array;

/** `into` (the larger column) with `from` copied to its front. */
export function grown<T extends Column>(from: T, into: T): T {
  into.set(from);
  return into;
}
