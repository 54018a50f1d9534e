/**
 * Where the page reader (page-db.ts) gets its bytes: a file read at offsets (src/core/io), an
 * in-memory image (tests, small files), or either with a -wal / hot -journal laid over it. The
 * reader asks for one page at a time and never holds the whole file.
 */
export interface PageSource {
  /** Bytes in the image. */
  readonly size: number;
  /**
   * Bytes [offset, offset + length), shorter only past the end. The array may be a view into a
   * buffer the source reuses: it is valid until the next read (copy what must last longer).
   */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

/** A source over bytes already in memory. */
export function bytesSource(bytes: Uint8Array): PageSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
    close: () => undefined,
  };
}

/**
 * `base` as SQLite would read it with a -wal's committed frames or a hot journal's saved pages in
 * place (see io/sqlite-sidecar.ts): `pages` replaces those pages (1-based) and the image is
 * `pageCount` pages long (bytes past the base file read as zeros, as SQLite's pager reads them).
 */
export function overlaySource(base: PageSource, pages: Map<number, Uint8Array>, pageSize: number, pageCount: number): PageSource {
  const size = pageCount * pageSize;
  const readBase = (offset: number, length: number): Uint8Array => {
    const got = base.read(offset, Math.max(0, Math.min(length, base.size - offset)));
    if (got.length === length) return got;
    const out = new Uint8Array(length);
    out.set(got);
    return out;
  };
  return {
    size,
    read(offset, length) {
      const end = Math.min(size, offset + length);
      if (end <= offset) return new Uint8Array(0);
      const first = Math.floor(offset / pageSize) + 1;
      const last = Math.floor((end - 1) / pageSize) + 1;
      if (first === last) {
        const p = pages.get(first);
        const at = offset - (first - 1) * pageSize;
        return p ? p.subarray(at, at + (end - offset)) : readBase(offset, end - offset);
      }
      const out = new Uint8Array(end - offset);
      for (let n = first; n <= last; n++) {
        const from = Math.max(offset, (n - 1) * pageSize);
        const to = Math.min(end, n * pageSize);
        const p = pages.get(n);
        out.set(p ? p.subarray(from - (n - 1) * pageSize, to - (n - 1) * pageSize) : readBase(from, to - from), from - offset);
      }
      return out;
    },
    close: () => base.close(),
  };
}
