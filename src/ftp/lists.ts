/**
 * Lists that most records hold empty or with one item (a session's one setup, a setup's one
 * data connection, a session's unsolicited replies). A trace can hold thousands of sessions
 * at once (all of them, when it is shorter than the time sessions take to settle), and an
 * array of its own for each was more memory than the record holding it: 32 bytes empty, and
 * 184 once pushed to, as V8 then gives it 17 slots at once.
 *
 * So such a list starts as EMPTY, shared, and is replaced rather than pushed to while it is
 * empty; the list made then has exactly one slot. Readers see a readonly list, and only its
 * owner, through appended(), adds to it.
 */

/** The empty list every such list starts as (frozen: pushing to it throws rather than share an item). */
export const EMPTY: readonly never[] = Object.freeze([]);

/**
 * `list` with `item` at its end: a new list of one item when `list` is empty (EMPTY or not);
 * else `list` itself, pushed to. Non-empty lists are only made here, so they can be.
 */
export function appended<T>(list: readonly T[], item: T): readonly T[] {
  if (list.length === 0) return [item];
  (list as T[]).push(item);
  return list;
}
