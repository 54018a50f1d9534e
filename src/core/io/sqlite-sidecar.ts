/**
 * What SQLite would read besides the file itself: a `-wal` (write-ahead log; its committed pages
 * are part of the database) and a hot `-journal` (rollback journal of an interrupted write; its
 * pages must be put back). sql.js reads one byte image and never sees either, so a file with a
 * `-wal` read as older data than `sqlite3` shows, and one with a hot journal read as "damaged".
 * Both are applied here to our in-memory copy — the user's files are never written (SQLite itself
 * would need write access to roll back). Formats: https://www.sqlite.org/fileformat2.html §4.
 */

export class SidecarError extends Error {}

const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** SQLite's WAL checksum over `data[from, to)` (8-byte chunks), continuing from s. */
function walChecksum(data: Uint8Array, from: number, to: number, bigEndian: boolean, s: [number, number]): [number, number] {
  let [s0, s1] = s;
  const word = bigEndian
    ? (o: number) => u32(data, o)
    : (o: number) => ((data[o + 3] << 24) | (data[o + 2] << 16) | (data[o + 1] << 8) | data[o]) >>> 0;
  for (let o = from; o < to; o += 8) {
    s0 = (s0 + word(o) + s1) >>> 0;
    s1 = (s1 + word(o + 4) + s0) >>> 0;
  }
  return [s0, s1];
}

/** Pages a sidecar puts in place of the file's (1-based page → bytes) and the image's length in pages. */
export interface PageOverlay {
  pages: Map<number, Uint8Array>;
  pageCount: number;
  pageSize: number;
}

/**
 * The WAL's committed transactions as page images (frames after the last commit, or past the first
 * bad checksum or salt, are ignored as SQLite ignores them); null when it holds no committed frame.
 */
export function walOverlay(wal: Uint8Array): PageOverlay | null {
  if (wal.length < 32) return null;
  const magic = u32(wal, 0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) throw new SidecarError('its -wal file does not start with the WAL magic number');
  const bigEndian = magic === 0x377f0683;
  const pageSize = u32(wal, 8) === 1 ? 65536 : u32(wal, 8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    throw new SidecarError(`its -wal file names an impossible page size (${pageSize})`);
  const salt1 = u32(wal, 16);
  const salt2 = u32(wal, 20);
  let sum = walChecksum(wal, 0, 24, bigEndian, [0, 0]);
  if (sum[0] !== u32(wal, 24) || sum[1] !== u32(wal, 28)) return null; // an invalid header: SQLite ignores the whole log
  const frameSize = 24 + pageSize;
  const pending = new Map<number, number>(); // page → frame offset, since the last commit
  const committed = new Map<number, number>();
  let dbPages = 0;
  for (let o = 32; o + frameSize <= wal.length; o += frameSize) {
    if (u32(wal, o + 8) !== salt1 || u32(wal, o + 12) !== salt2) break;
    sum = walChecksum(wal, o, o + 8, bigEndian, sum);
    sum = walChecksum(wal, o + 24, o + frameSize, bigEndian, sum);
    if (sum[0] !== u32(wal, o + 16) || sum[1] !== u32(wal, o + 20)) break;
    pending.set(u32(wal, o), o + 24);
    const commitSize = u32(wal, o + 4);
    if (commitSize > 0) {
      for (const [p, off] of pending) committed.set(p, off);
      pending.clear();
      dbPages = commitSize;
    }
  }
  if (committed.size === 0) return null;
  const pages = new Map<number, Uint8Array>();
  for (const [page, off] of committed) if (page >= 1 && page <= dbPages) pages.set(page, wal.subarray(off, off + pageSize));
  return { pages, pageCount: dbPages, pageSize };
}

/** Lays an overlay onto a whole in-memory image (the sql.js path). */
function materialize(db: Uint8Array, o: PageOverlay): Uint8Array {
  const out = new Uint8Array(o.pageCount * o.pageSize);
  out.set(db.subarray(0, Math.min(db.length, out.length)));
  for (const [page, bytes] of o.pages) out.set(bytes, (page - 1) * o.pageSize);
  return out;
}

/** The database image with the WAL's committed transactions applied; `db` itself when there are none. */
export function applyWal(db: Uint8Array, wal: Uint8Array): Uint8Array {
  const o = walOverlay(wal);
  return o ? materialize(db, o) : db;
}

const JOURNAL_MAGIC = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

/**
 * What rolling back a hot journal does: the original pages it saved are put back and the file is
 * cut to its size before the interrupted write. A journal without a valid header (zeroed, as SQLite
 * leaves a finished one in PERSIST mode, or empty) is not hot: null.
 */
export function journalOverlay(journal: Uint8Array, pageSize: number): PageOverlay | null {
  const isHeader = (o: number) => o + 28 <= journal.length && JOURNAL_MAGIC.every((b, i) => journal[o + i] === b);
  if (!isHeader(0)) return null;
  const origPages = u32(journal, 16);
  const sector = u32(journal, 20) || 512;
  const jPageSize = u32(journal, 24) || pageSize;
  if (jPageSize !== pageSize) throw new SidecarError(`its -journal file is for ${jPageSize}-byte pages, the database has ${pageSize}`);
  const recSize = pageSize + 8;
  // One segment per cache spill: a header (padded to a sector), then its records. A page saved
  // twice keeps its first (oldest) image, as SQLite's playback ends up with.
  const pages = new Map<number, Uint8Array>();
  const out = { pages, pageCount: Math.max(origPages, 1), pageSize };
  for (let h = 0; isHeader(h);) {
    let nRec = u32(journal, h + 8);
    const nonce = u32(journal, h + 12);
    let o = h + sector;
    if (nRec === 0xffffffff) nRec = Math.floor((journal.length - o) / recSize);
    let k = 0;
    for (; k < nRec && o + recSize <= journal.length; k++, o += recSize) {
      const page = u32(journal, o);
      let ck = nonce;
      for (let i = pageSize - 200; i > 0; i -= 200) ck = (ck + journal[o + 4 + i]) >>> 0;
      if (ck !== u32(journal, o + 4 + pageSize)) return out; // torn record: SQLite stops here too
      if (page >= 1 && page <= origPages && !pages.has(page)) pages.set(page, journal.subarray(o + 4, o + 4 + pageSize));
    }
    if (k < nRec || nRec === 0) break;
    h = Math.ceil(o / sector) * sector;
  }
  return out;
}

/** Rolls back a hot journal onto the image (see journalOverlay); `db` itself when the journal is not hot. */
export function rollbackJournal(db: Uint8Array, journal: Uint8Array, pageSize: number): Uint8Array {
  const o = journalOverlay(journal, pageSize);
  return o ? materialize(db, o) : db;
}
