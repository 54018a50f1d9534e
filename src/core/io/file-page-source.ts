import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { PageSource } from '../db/page-source';

/**
 * Bytes read from the file at a time: pages of a table are mostly consecutive, so one read serves
 * many. 128 KiB, not more: a chunk is read and then decoded while it is still in the CPU's cache.
 * Reading many_kernels (78 MB) took ~32 ms of CPU in 1 MiB reads and ~10 ms in 64–128 KiB ones,
 * whose pages the decoder then also finds in cache (issue 15).
 */
const CHUNK = 1 << 17;
/** Chunks kept: a b-tree's interior pages and a cell's overflow pages are often a few chunks away. */
const KEEP = 32;

/**
 * A PageSource over a file on disk, read with pread into CHUNK-sized pieces (no file size limit: Node's
 * readFileSync stops at 2 GiB, positions here go to 2^53). KEEP chunks are held and reused, so a
 * read is valid until the next one (PageSource's contract).
 */
export function filePageSource(path: string): PageSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const chunks = new Map<number, Uint8Array>(); // insertion order = age
  const fill = (buf: Uint8Array, pos: number) => {
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  };
  const chunk = (k: number): Uint8Array => {
    const have = chunks.get(k);
    if (have) {
      chunks.delete(k);
      chunks.set(k, have);
      return have;
    }
    // The oldest chunk's buffer is reused: allocating 1 MiB per chunk made a 2.4 GB read churn
    // 2.4 GB of external memory for the GC to find.
    let buf: Uint8Array;
    if (chunks.size >= KEEP) {
      const oldest = chunks.keys().next().value as number;
      buf = new Uint8Array(chunks.get(oldest)!.buffer, 0, CHUNK);
      chunks.delete(oldest);
    } else buf = new Uint8Array(CHUNK);
    const want = Math.min(CHUNK, size - k * CHUNK);
    const got = fill(buf.subarray(0, want), k * CHUNK);
    const c = buf.subarray(0, got);
    chunks.set(k, c);
    return c;
  };
  let closed = false;
  return {
    size,
    read(offset, length) {
      const end = Math.min(size, offset + length);
      if (end <= offset) return new Uint8Array(0);
      const k = Math.floor(offset / CHUNK);
      if (Math.floor((end - 1) / CHUNK) === k) {
        const c = chunk(k);
        return c.subarray(offset - k * CHUNK, Math.min(c.length, end - k * CHUNK));
      }
      const out = new Uint8Array(end - offset);
      const got = fill(out, offset);
      return got === out.length ? out : out.subarray(0, got);
    },
    close() {
      if (closed) return;
      closed = true;
      chunks.clear();
      closeSync(fd);
    },
  };
}
