/**
 * Merging several files into one frame stream by timestamp: a binary heap of readers, each
 * holding its next frame. Ties go to the lower file index, so equal times keep file order,
 * and frames of one file always keep their order in that file.
 */
import type { Frame } from './frame.js';
import type { RecordReader } from './reader.js';

function before(a: Frame, b: Frame): boolean {
  if (a.tsSec !== b.tsSec) return a.tsSec < b.tsSec;
  if (a.tsNsec !== b.tsNsec) return a.tsNsec < b.tsNsec;
  return a.fileIndex < b.fileIndex;
}

function siftDown(heap: RecordReader[], index: number): void {
  const n = heap.length;
  const item = heap[index]!;
  for (;;) {
    const left = 2 * index + 1;
    if (left >= n) break;
    const right = left + 1;
    let child = left;
    if (right < n && before(heap[right]!.frame, heap[left]!.frame)) child = right;
    if (!before(heap[child]!.frame, item.frame)) break;
    heap[index] = heap[child]!;
    index = child;
  }
  heap[index] = item;
}

/** Delivers every frame of every reader in timestamp order. */
export async function mergeFrames(readers: RecordReader[], onFrame: (frame: Frame) => void): Promise<void> {
  const heap: RecordReader[] = [];
  for (const reader of readers) {
    if (await reader.advance()) heap.push(reader);
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);
  while (heap.length > 0) {
    const top = heap[0]!;
    onFrame(top.frame);
    if (top.next() || (await top.advance())) {
      siftDown(heap, 0);
    } else {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown(heap, 0);
      }
    }
  }
}

/** The single-file case without the heap: the loop stays synchronous between chunks. */
export async function drainFrames(reader: RecordReader, onFrame: (frame: Frame) => void): Promise<void> {
  const frame = reader.frame;
  do {
    while (reader.next()) onFrame(frame);
  } while (await reader.refill());
}
