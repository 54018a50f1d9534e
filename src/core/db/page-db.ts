import { parseCreateTable, SchemaSqlError, type TableDef } from './create-table';
import {
  CancelledError,
  NULL_INT,
  type ColArrays,
  type ColSpec,
  type Db,
  type RowFilter,
  type ScanResult,
  type SqlValue,
  type TableScan,
} from './db';
import type { PageSource } from './page-source';

/**
 * A Db that reads the SQLite file format itself, one page at a time, from a PageSource
 * (https://www.sqlite.org/fileformat2.html): the header, sqlite_schema on page 1, table b-trees
 * (interior 0x05, leaf 0x0D pages), records (varints, serial types) and overflow chains. It exists
 * for exports too big for sql.js (issue 15): sql.js holds the whole file in its wasm32 heap after
 * Node has read it too, so a 1.6 GB export cost ~5 GB and one over 2 GiB could not open at all.
 * Here only the pages in use are in memory, and values go straight into the typed arrays.
 *
 * Read-only and for what the readers ask: tables with a rowid (nsys exports have no WITHOUT ROWID
 * tables), full scans in rowid order. Every page number, offset and chain is checked, b-tree and
 * overflow pages are visited at most once per read and the tree is at most MAX_DEPTH deep, so a
 * damaged or hostile file ends in one SqliteFormatError, never a hang.
 */
export class SqliteFormatError extends Error {}
/** A valid file using something this reader does not read (the caller may use sql.js instead). */
export class SqliteUnsupportedError extends Error {}

/** SQLite's own cursor depth limit is 20 (BTCURSOR_MAX_DEPTH); deeper is damage. */
const MAX_DEPTH = 40;
const HEADER = 'SQLite format 3\0';

interface TableInfo {
  name: string;
  root: number;
  def: TableDef | null;
  /** Why the definition could not be read (then only its name is known). */
  defError?: string;
}

/** Bytes a value of serial type 0–11 takes in a record's body (10 and 11 are reserved: -1). */
const SIZES = new Int8Array([0, 1, 2, 3, 4, 6, 8, 8, 0, 0, -1, -1]);
/** Rows the one-pass decode holds before moving them into the columns (see scan). */
const STAGED_ROWS = 256;

/** Serial type of a 1e9-byte text (SQLite's largest SQLITE_MAX_LENGTH). */
const MAX_SERIAL_TYPE = 2 * 1e9 + 13;

const f64Scratch = new Float64Array(1);
const f64Bytes = new Uint8Array(f64Scratch.buffer);

export class PageDb implements Db {
  readonly sizeBytes: number;
  private readonly src: PageSource;
  private readonly pageSize: number;
  private readonly usable: number;
  private readonly pageCount: number;
  private readonly utf16: 'le' | 'be' | null;
  private readonly decoder: TextDecoder;
  private tables: Map<string, TableInfo> | null = null;
  /** Pages already read in the current walk (b-tree and overflow): a page seen twice is a cycle. */
  private visited: Uint8Array;

  constructor(src: PageSource) {
    this.src = src;
    this.sizeBytes = src.size;
    const h = src.read(0, 100);
    if (h.length < 100 || String.fromCharCode(...h.subarray(0, 16)) !== HEADER) {
      throw new SqliteFormatError('the file does not start with the SQLite header');
    }
    const ps = (h[16] << 8) | h[17];
    this.pageSize = ps === 1 ? 65536 : ps;
    if (this.pageSize < 512 || this.pageSize > 65536 || (this.pageSize & (this.pageSize - 1)) !== 0) {
      throw new SqliteFormatError(`its header names an impossible page size (${ps})`);
    }
    if (h[19] > 2) throw new SqliteUnsupportedError(`its file format version (${h[19]}) is newer than this reader knows`);
    this.usable = this.pageSize - h[20];
    if (this.usable < 480) throw new SqliteFormatError(`its header reserves ${h[20]} bytes per page, leaving too few`);
    const filePages = Math.floor(src.size / this.pageSize);
    // The header's page count holds only when written by SQLite 3.7.0+ (change counter = version-valid-for);
    // otherwise the file's size says it, as SQLite decides.
    const headerPages = u32(h, 28);
    const valid = headerPages > 0 && u32(h, 24) === u32(h, 92);
    this.pageCount = valid ? Math.min(headerPages, filePages) : filePages;
    const enc = u32(h, 56);
    this.utf16 = enc === 2 ? 'le' : enc === 3 ? 'be' : null;
    this.decoder = new TextDecoder(this.utf16 === 'le' ? 'utf-16le' : this.utf16 === 'be' ? 'utf-16be' : 'utf-8');
    this.visited = new Uint8Array(this.pageCount + 1);
  }

  // ---------------------------------------------------------------- schema

  private schema(): Map<string, TableInfo> {
    if (this.tables) return this.tables;
    const out = new Map<string, TableInfo>();
    // sqlite_schema(type, name, tbl_name, rootpage, sql) is the table rooted at page 1.
    this.walk(1, (rec) => {
      const type = rec.value(0);
      const name = rec.value(1);
      if (type !== 'table' || typeof name !== 'string') return;
      const root = rec.value(3);
      const sql = rec.value(4);
      const info: TableInfo = { name, root: typeof root === 'number' ? root : 0, def: null };
      try {
        if (typeof sql !== 'string') throw new SchemaSqlError('no CREATE TABLE text');
        info.def = parseCreateTable(sql);
      } catch (e) {
        if (!(e instanceof SchemaSqlError)) throw e;
        info.defError = e.message;
      }
      out.set(name, info);
    });
    this.tables = out;
    return out;
  }

  /** What in this file the reader cannot read (a WITHOUT ROWID table, a generated column), or null. */
  unsupported(): string | null {
    for (const t of this.schema().values()) {
      if (t.def?.withoutRowid) return `table ${t.name} is a WITHOUT ROWID table`;
      const v = t.def?.columns.find((c) => c.virtual);
      if (v) return `column ${v.name} of ${t.name} is a generated column`;
    }
    return null;
  }

  tableNames(): string[] {
    return [...this.schema().keys()];
  }

  hasTable(name: string): boolean {
    return this.schema().has(name);
  }

  tableColumns(table: string): string[] {
    const t = this.schema().get(table);
    if (!t) return [];
    return this.usable_(t).columns.map((c) => c.name);
  }

  private usable_(t: TableInfo): TableDef {
    if (!t.def) throw new SqliteFormatError(`the schema of table ${t.name} does not read (${t.defError})`);
    if (t.def.withoutRowid) throw new SqliteUnsupportedError(`table ${t.name} is a WITHOUT ROWID table`);
    if (!(t.root >= 2 && t.root <= this.pageCount))
      throw new SqliteFormatError(`table ${t.name} names root page ${t.root}, outside the file`);
    return t.def;
  }

  estimateRows(table: string): number {
    const t = this.schema().get(table);
    const def = t ? this.usable_(t) : null;
    if (!t || !def) return 0;
    // rowids start at 1, so the largest one is the row count of a table nothing was deleted from.
    return Math.max(0, Math.min(this.maxRowid(t.root), Math.floor(this.sizeBytes / (2 + def.columns.length))));
  }

  tableRows(table: string, columns: string[]): SqlValue[][] {
    const t = this.schema().get(table);
    if (!t) return [];
    const def = this.usable_(t);
    const idx = columns.map((c) => def.columns.findIndex((d) => d.name === c));
    const out: SqlValue[][] = [];
    this.walk(t.root, (rec, rowid) => {
      out.push(idx.map((i) => (i < 0 ? null : i === def.rowidColumn ? rowid : this.columnValue(rec, def, i))));
    });
    return out;
  }

  private columnValue(rec: RecordView, def: TableDef, col: number): SqlValue {
    const c = def.columns[col];
    if (c.virtual) throw new SqliteUnsupportedError(`column ${c.name} is a generated column`);
    const at = storedIndex(def, col);
    return at < rec.count ? rec.value(at) : c.defaultValue;
  }

  // ---------------------------------------------------------------- scan

  scan<S extends ColSpec>(scan: TableScan<S>): ScanResult<S> {
    const names = Object.keys(scan.spec);
    const t = this.schema().get(scan.table);
    const def = t ? this.usable_(t) : null;
    const colOf = (name: string | null): number => {
      if (name === null || !def) return -1;
      const i = def.columns.findIndex((c) => c.name === name);
      if (i >= 0 && def.columns[i].virtual) throw new SqliteUnsupportedError(`column ${name} of ${scan.table} is a generated column`);
      return i;
    };
    // Per output column: where its value comes from (schema index, -1 = NULL).
    const outCol = names.map((n) => colOf(scan.from[n]));
    const kinds = names.map((n) => (scan.spec[n] === 'f64' ? 0 : scan.spec[n] === 'i32' ? 1 : 2));
    // Sized to the largest rowid, which is the row count of a table nothing was deleted from (every
    // nsys export): then the arrays come out full and are returned as they are. One row more (as
    // this once was) made every column a copy at the end, two copies of each table alive at once:
    // at 9M events that was the open's peak (issue 15).
    let cap = Math.max(16, this.estimateRows(scan.table));
    const arrays: (Float64Array | Int32Array | (string | null)[])[] = kinds.map((k) =>
      k === 0 ? new Float64Array(cap) : k === 1 ? new Int32Array(cap) : [],
    );
    let n = 0;
    let invalid = 0;
    if (t && def) {
      const where = (scan.where ?? []).map((f) => this.compileFilter(f, def, colOf));
      const valid = (scan.valid ?? []).map((f) => this.compileFilter(f, def, colOf));
      const rowidCol = def.rowidColumn;
      // Output columns by kind, so that each store below writes one array type (a store site that
      // sees Float64Array, Int32Array and Array alike is several times slower: issue 15 measured
      // the kernel table at ~1.8 µs a row that way). `at` is the value's place in the record, or
      // -1 when the column is absent (NULL), -2 for the rowid; a value the record does not hold (one
      // of those, or a column's default) comes from `fallback`.
      const fOut: number[] = [];
      const iOut: number[] = [];
      const sOut: number[] = [];
      kinds.forEach((k, c) => (k === 0 ? fOut : k === 1 ? iOut : sOut).push(c));
      const atOf = (c: number) => (outCol[c] < 0 ? -1 : outCol[c] === rowidCol ? -2 : storedIndex(def, outCol[c]));
      const fAt = Int32Array.from(fOut, atOf);
      const iAt = Int32Array.from(iOut, atOf);
      const sAt = Int32Array.from(sOut, atOf);
      const nF = fOut.length;
      const nI = iOut.length;
      const nS = sOut.length;
      let fCols = fOut.map((c) => arrays[c] as Float64Array);
      let iCols = iOut.map((c) => arrays[c] as Int32Array);
      const sCols = sOut.map((c) => arrays[c] as (string | null)[]);
      /** An output column's value when the record does not hold it (see kinds: 2 is text). */
      const fallback = (c: number, rowid: number, rec: RecordView): SqlValue => {
        const col = outCol[c];
        if (col < 0) return null;
        if (col === rowidCol) return rowid;
        const at = storedIndex(def, col);
        if (at < rec.count) return kinds[c] === 2 ? rec.text(at) : rec.number(at);
        return def.columns[col].defaultValue;
      };
      const asNumber = (d: SqlValue): number =>
        d === null ? NULL_INT : typeof d === 'number' ? d : d instanceof Uint8Array ? NaN : Number(d);
      const asText = (d: SqlValue): string | null => (d === null ? null : d instanceof Uint8Array ? this.text(d, 0, d.length) : String(d));
      // The header is read only as far as the last column this scan uses (filters included).
      let limit = 0;
      const uses = (name: string | null) => {
        const col = colOf(name);
        if (col >= 0 && col !== rowidCol) limit = Math.max(limit, storedIndex(def, col) + 1);
      };
      outCol.forEach((c) => uses(c >= 0 ? def.columns[c].name : null));
      for (const f of [...(scan.where ?? []), ...(scan.valid ?? [])]) {
        if (f.kind === 'span') {
          uses(f.start);
          uses(f.end);
        } else uses(f.column);
      }
      // The usual validity rule (a span over two stored columns, issue 15) is tested inline: through
      // its closures it cost as much as reading all the kernel table's other columns. Rows whose
      // record lacks either column (added by ALTER TABLE: the default applies) take the closure.
      let fastSpan = -1;
      let spanS = -1;
      let spanE = -1;
      let spanOpen = false;
      (scan.valid ?? []).forEach((f, w) => {
        if (fastSpan >= 0 || f.kind !== 'span') return;
        const cs = colOf(f.start);
        const ce = colOf(f.end);
        if (cs < 0 || ce < 0 || cs === rowidCol || ce === rowidCol) return;
        fastSpan = w;
        spanS = storedIndex(def, cs);
        spanE = storedIndex(def, ce);
        spanOpen = f.openEnd === true;
      });
      const nWhere = where.length;
      const nValid = valid.length;
      const usable = this.usable;
      const shouldCancel = scan.shouldCancel;
      const rec = new RecordView(this);
      let seen = 0;
      const grow = () => {
        cap *= 2;
        fCols = fCols.map((a) => {
          const b = new Float64Array(cap);
          b.set(a);
          return b;
        });
        iCols = iCols.map((a) => {
          const b = new Int32Array(cap);
          b.set(a);
          return b;
        });
      };
      // The one-pass decode (issue 15: the GPU-first open waits for the kernel table's first scan).
      // For numeric scans with no filter but the inline span rule, each record's header is walked
      // once and the values this scan wants are decoded as their serial types are read, into
      // `stage` (one slot per stored value up to `limit`). A row it cannot take as it is (a header
      // past 127 bytes, a multi-byte serial type, a REAL, text or blob where a number is wanted, a
      // NULL time, fewer values than `limit`, or damage) goes through load() and the general loop
      // below, whose answer — or error — is then the row's; the fast path itself never decides
      // anything the general one would decide differently (tests/db/page-db.test.ts compares both).
      const fused = nS === 0 && nWhere === 0 && (nValid === 0 || (nValid === 1 && fastSpan === 0)) && limit > 0;
      /** Per stored value up to `limit`: 1 if the scan reads it, 2 if the span rule does too (NULL there falls back). */
      const want = new Uint8Array(limit);
      // Rows the one-pass decode took, row-major, `limit` slots each (and their rowids), moved into
      // the columns STAGED_ROWS at a time by one tight loop per column (issue 15: row by row, the
      // stores into seven columns in turn took ~15% of the kernel table's first scan at ×6).
      const stage = new Float64Array(STAGED_ROWS * Math.max(1, limit));
      const stageRowid = new Float64Array(STAGED_ROWS);
      let staged = 0;
      for (const a of [fAt, iAt]) for (const at of a) if (at >= 0) want[at] = 1;
      const span = fastSpan === 0;
      if (span) want[spanS] = want[spanE] = 2;
      /**
       * Decodes the located payload into stage[o, o + limit): 1 = a row to keep, 0 = one the span rule leaves
       * out, -1 = take the general path.
       */
      const decode = (buf: Uint8Array, from: number, to: number, o: number): number => {
        const hdrSize = buf[from];
        const hdrEnd = from + hdrSize;
        if (!(hdrSize < 0x80 && hdrSize >= 1 && hdrEnd <= to)) return -1;
        let at = from + 1;
        if (hdrEnd - at < limit) return -1;
        let body = hdrEnd;
        for (let v = 0; v < limit; v++) {
          const t = buf[at++];
          let len: number;
          if (t < 12) {
            len = SIZES[t];
            if (len < 0) return -1;
          } else if (t < 0x80) len = (t - 12) >> 1;
          else return -1;
          const w = want[v];
          if (w !== 0) {
            if (t >= 1 && t <= 9 && t !== 7) stage[o + v] = intValue(buf, t, body);
            else if (t === 0 && w === 1) stage[o + v] = NULL_INT;
            else return -1;
          }
          body += len;
        }
        if (body > to) return -1;
        return span && !(stage[o + spanE] >= stage[o + spanS]) ? 0 : 1;
      };
      const flush = () => {
        if (staged === 0) return;
        while (n + staged > cap) grow();
        for (let j = 0; j < nF; j++) {
          const col = fCols[j];
          const at = fAt[j];
          if (at >= 0) for (let r = 0, q = at; r < staged; r++, q += limit) col[n + r] = stage[q];
          else if (at === -1) col.fill(NULL_INT, n, n + staged);
          else for (let r = 0; r < staged; r++) col[n + r] = stageRowid[r];
        }
        for (let j = 0; j < nI; j++) {
          const col = iCols[j];
          const at = iAt[j];
          if (at >= 0) for (let r = 0, q = at; r < staged; r++, q += limit) col[n + r] = stage[q];
          else if (at === -1) col.fill(NULL_INT, n, n + staged);
          else for (let r = 0; r < staged; r++) col[n + r] = stageRowid[r];
        }
        n += staged;
        staged = 0;
      };
      this.walkLeaves(t.root, (p, h, nCells, pageNo) => {
        for (let k = 0; k < nCells; k++) {
          let rowid: number;
          if (fused) {
            // The usual cell read here, as locate() reads it: a 1-byte payload size (under 128
            // bytes: no overflow), a 1–4 byte rowid (tables to 2^28 rows), all inside the page. Any other goes to locate().
            const cell = (p[h + 8 + 2 * k] << 8) | p[h + 9 + 2 * k];
            const size = p[cell];
            const r0 = p[cell + 1];
            const r1 = p[cell + 2];
            const r2 = p[cell + 3];
            const r3 = p[cell + 4];
            let from = -1;
            rowid = 0;
            if (cell >= h + 8 && size < 0x80) {
              if (r0 < 0x80) {
                rowid = r0;
                from = cell + 2;
              } else if (r1 < 0x80) {
                rowid = (r0 & 0x7f) * 128 + r1;
                from = cell + 3;
              } else if (r2 < 0x80) {
                rowid = ((r0 & 0x7f) * 128 + (r1 & 0x7f)) * 128 + r2;
                from = cell + 4;
              } else if (r3 < 0x80) {
                rowid = (((r0 & 0x7f) * 128 + (r1 & 0x7f)) * 128 + (r2 & 0x7f)) * 128 + r3;
                from = cell + 5;
              }
            }
            let buf = p;
            let to = from + size;
            if (from < 0 || to > usable) {
              rowid = this.locate(p, h, k, pageNo);
              buf = this.payBuf;
              from = this.payFrom;
              to = this.payTo;
            }
            if ((++seen & 0xffff) === 0 && shouldCancel?.()) throw new CancelledError();
            const r = decode(buf, from, to, staged * limit);
            if (r === 0) {
              invalid++;
              continue;
            }
            if (r === 1) {
              stageRowid[staged++] = rowid;
              if (staged === STAGED_ROWS) flush();
              continue;
            }
            // The general loop writes at n: the rows before this one go first.
            flush();
            rec.load(buf, from, to, pageNo, limit);
          } else {
            rowid = this.cell(p, h, k, pageNo, rec, limit);
            if ((++seen & 0xffff) === 0 && shouldCancel?.()) throw new CancelledError();
          }
          let keep = true;
          for (let w = 0; w < nWhere; w++)
            if (!where[w](rec, rowid)) {
              keep = false;
              break;
            }
          if (!keep) continue;
          for (let w = 0; w < nValid; w++) {
            const ok =
              w === fastSpan && spanS < rec.count && spanE < rec.count ? spanValid(rec, spanS, spanE, spanOpen) : valid[w](rec, rowid);
            if (!ok) {
              keep = false;
              break;
            }
          }
          if (!keep) {
            invalid++;
            continue;
          }
          if (n === cap) grow();
          const count = rec.count;
          const types = rec.types;
          const offsets = rec.offsets;
          const buf = rec.buf;
          for (let j = 0; j < nF; j++) {
            const at = fAt[j];
            let v: number;
            if (at >= 0 && at < count) {
              const ty = types[at];
              v = ty >= 1 && ty <= 9 && ty !== 7 ? intValue(buf, ty, offsets[at]) : +rec.number(at);
            } else v = +asNumber(fallback(fOut[j], rowid, rec));
            fCols[j][n] = v;
          }
          for (let j = 0; j < nI; j++) {
            const at = iAt[j];
            let v: number;
            if (at >= 0 && at < count) {
              const ty = types[at];
              v = ty >= 1 && ty <= 9 && ty !== 7 ? intValue(buf, ty, offsets[at]) : +rec.number(at);
            } else v = +asNumber(fallback(iOut[j], rowid, rec));
            iCols[j][n] = v;
          }
          for (let j = 0; j < nS; j++) {
            const at = sAt[j];
            sCols[j].push(at >= 0 && at < count ? rec.text(at) : asText(fallback(sOut[j], rowid, rec)));
          }
          n++;
        }
      });
      flush();
      fOut.forEach((c, j) => (arrays[c] = fCols[j]));
      iOut.forEach((c, j) => (arrays[c] = iCols[j]));
    }
    const cols = {} as Record<string, Float64Array | Int32Array | (string | null)[]>;
    names.forEach((name, c) => {
      const a = arrays[c];
      cols[name] = Array.isArray(a) ? a : a.length === n ? a : a.slice(0, n);
    });
    return { count: n, cols: cols as ColArrays<S>, invalid };
  }

  /** A RowFilter as a test on one decoded row, with SQL's semantics (see db.ts). */
  private compileFilter(f: RowFilter, def: TableDef, colOf: (name: string) => number): (rec: RecordView, rowid: number) => boolean {
    let num = 0;
    /** A column's value class (0 NULL, 1 number, 2 text or blob), its number left in `num`. */
    const read = (name: string) => {
      const col = colOf(name);
      if (col < 0) throw new SqliteFormatError(`a filter names column ${name}, which the table lacks`);
      const at = storedIndex(def, col);
      const dflt = def.columns[col].defaultValue;
      const dClass = dflt === null ? 0 : typeof dflt === 'number' ? 1 : 2;
      return (rec: RecordView, rowid: number): number => {
        if (col === def.rowidColumn) {
          num = rowid;
          return 1;
        }
        if (at >= rec.count) {
          num = typeof dflt === 'number' ? dflt : 0;
          return dClass;
        }
        const k = rec.classify(at);
        num = rec.lastNumber;
        return k;
      };
    };
    if (f.kind === 'not-in') {
      const get = read(f.column);
      const values = f.values;
      if (values.length === 0) return () => true;
      return (rec, rowid) => {
        const k = get(rec, rowid);
        return k === 2 || (k === 1 && !values.includes(num));
      };
    }
    const gs = read(f.start);
    const ge = read(f.end);
    const openEnd = f.openEnd === true;
    return (rec, rowid) => {
      if (gs(rec, rowid) !== 1) return false;
      const s = num;
      const ke = ge(rec, rowid);
      if (ke === 0) return openEnd;
      return ke === 1 && num >= s;
    };
  }

  /** The largest rowid: the last cell of the rightmost leaf (a preallocation hint, bounded by the caller). */
  private maxRowid(root: number): number {
    let page = root;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const p = this.page(page);
      const h = page === 1 ? 100 : 0;
      const type = p[h];
      const nCells = (p[h + 3] << 8) | p[h + 4];
      if (type === 0x05) {
        page = u32(p, h + 8);
        if (!(page >= 1 && page <= this.pageCount)) return 0;
        continue;
      }
      if (type !== 0x0d || nCells === 0) return 0;
      const cell = (p[h + 8 + 2 * (nCells - 1)] << 8) | p[h + 9 + 2 * (nCells - 1)];
      if (cell >= this.usable) return 0;
      const pos = { at: cell };
      varint(p, pos, this.usable);
      const r = varint(p, pos, this.usable);
      return Number.isFinite(r) && r > 0 ? r : 0;
    }
    return 0;
  }

  // ---------------------------------------------------------------- b-tree

  /** Page n: a view valid until the next read, or copied into `into` (pages the walk keeps). */
  private page(n: number, into?: Uint8Array): Uint8Array {
    if (!(n >= 1 && n <= this.pageCount))
      throw new SqliteFormatError(`a b-tree points to page ${n}, outside the file's ${this.pageCount} pages`);
    const p = this.src.read((n - 1) * this.pageSize, this.pageSize);
    if (p.length < this.pageSize) throw new SqliteFormatError(`page ${n} is cut short`);
    if (!into) return p;
    into.set(p);
    return into;
  }

  private visit(n: number, what: string): void {
    if (!(n >= 1 && n <= this.pageCount))
      throw new SqliteFormatError(`${what} points to page ${n}, outside the file's ${this.pageCount} pages`);
    if (this.visited[n]) throw new SqliteFormatError(`page ${n} is reached twice (${what}): the file's b-tree has a cycle`);
    this.visited[n] = 1;
  }

  /** Every row of the table rooted at `root`, in rowid order. */
  private walk(root: number, onRow: (rec: RecordView, rowid: number) => void): void {
    const rec = new RecordView(this);
    this.walkLeaves(root, (p, h, nCells, pageNo) => {
      for (let k = 0; k < nCells; k++) onRow(rec, this.cell(p, h, k, pageNo, rec));
    });
  }

  /** Every leaf page of the table rooted at `root`, in rowid order, its cell count checked against the page. */
  private walkLeaves(root: number, onLeaf: (p: Uint8Array, h: number, nCells: number, pageNo: number) => void): void {
    this.visited.fill(0);
    // An explicit stack of interior pages and the next child to take, so depth is bounded and checked.
    const stackPages: Uint8Array[] = [];
    const stackHdr: number[] = [];
    const stackNext: number[] = [];
    const stackCount: number[] = [];
    // One page buffer per depth: a page stays put while the walk is below it, and the source may
    // reuse its own buffers (the file source does), so no page is allocated per read.
    const bufs: Uint8Array[] = [];
    const descend = (n: number) => {
      this.visit(n, 'a b-tree');
      const depth = stackPages.length;
      const p = this.page(n, (bufs[depth] ??= new Uint8Array(this.pageSize)));
      const h = n === 1 ? 100 : 0;
      const type = p[h];
      const nCells = (p[h + 3] << 8) | p[h + 4];
      if (type === 0x0d) {
        if (8 + 2 * nCells > this.usable - h) throw new SqliteFormatError(`page ${n} claims ${nCells} cells`);
        onLeaf(p, h, nCells, n);
        return;
      }
      if (type !== 0x05) throw new SqliteFormatError(`page ${n} is not a table b-tree page (type ${type})`);
      if (stackPages.length >= MAX_DEPTH) throw new SqliteFormatError(`the b-tree is deeper than ${MAX_DEPTH} pages`);
      if (12 + 2 * nCells > this.usable - h) throw new SqliteFormatError(`page ${n} claims ${nCells} cells`);
      stackPages.push(p);
      stackHdr.push(h);
      stackNext.push(0);
      stackCount.push(nCells);
    };
    descend(root);
    while (stackPages.length) {
      const top = stackPages.length - 1;
      const p = stackPages[top];
      const h = stackHdr[top];
      const k = stackNext[top]++;
      const nCells = stackCount[top];
      if (k < nCells) {
        const cell = (p[h + 12 + 2 * k] << 8) | p[h + 13 + 2 * k];
        if (cell + 4 > this.usable) throw new SqliteFormatError(`an interior cell lies outside its page`);
        descend(u32(p, cell));
      } else if (k === nCells) {
        descend(u32(p, h + 8));
      } else {
        stackPages.pop();
        stackHdr.pop();
        stackNext.pop();
        stackCount.pop();
      }
    }
  }

  private readonly cellPos = { at: 0 };
  /** Where locate() found the last cell's payload: payBuf[payFrom, payTo) (valid until the next read). */
  private payBuf: Uint8Array = new Uint8Array(0);
  private payFrom = 0;
  private payTo = 0;

  /** Loads cell k of leaf page `p` (header at h) into `rec`, its overflow chain followed; returns its rowid. */
  private cell(p: Uint8Array, h: number, k: number, pageNo: number, rec: RecordView, limit = 0x7fffffff): number {
    const rowid = this.locate(p, h, k, pageNo);
    rec.load(this.payBuf, this.payFrom, this.payTo, pageNo, limit);
    return rowid;
  }

  /**
   * Finds cell k of leaf page `p` (header at h): its payload is left in payBuf[payFrom, payTo),
   * its overflow chain followed and joined; returns its rowid.
   */
  private locate(p: Uint8Array, h: number, k: number, pageNo: number): number {
    const U = this.usable;
    const X = U - 35;
    const pos = this.cellPos;
    const cell = (p[h + 8 + 2 * k] << 8) | p[h + 9 + 2 * k];
    if (cell < h + 8 || cell >= U) throw new SqliteFormatError(`a cell of page ${pageNo} lies outside it`);
    // Payload sizes under 128 bytes and rowids under 2^14 (most nsys rows) are read inline.
    let at = cell;
    let size = p[at];
    if (size < 0x80) at++;
    else {
      pos.at = at;
      size = varint(p, pos, U);
      at = pos.at;
      if (!(size >= 0)) throw new SqliteFormatError(`a cell of page ${pageNo} has a bad length`);
    }
    // Rowids of 1–3 bytes (up to 2^21: tables of 2M rows, most of a big one's rows) are read inline.
    let rowid: number;
    const r0 = p[at];
    const r1 = p[at + 1];
    const r2 = p[at + 2];
    if (r0 < 0x80 && at < U) {
      rowid = r0;
      at++;
    } else if (r1 < 0x80 && at + 1 < U) {
      rowid = (r0 & 0x7f) * 128 + r1;
      at += 2;
    } else if (r2 < 0x80 && at + 2 < U) {
      rowid = ((r0 & 0x7f) * 128 + (r1 & 0x7f)) * 128 + r2;
      at += 3;
    } else {
      pos.at = at;
      rowid = varint(p, pos, U);
      at = pos.at;
    }
    const start = at;
    if (size <= X) {
      if (start + size > U) throw new SqliteFormatError(`a cell of page ${pageNo} runs past the page`);
      this.payBuf = p;
      this.payFrom = start;
      this.payTo = start + size;
      return rowid;
    }
    if (size > this.pageCount * U) throw new SqliteFormatError(`a cell of page ${pageNo} says it holds ${size} bytes, more than the file`);
    const M = Math.floor(((U - 12) * 32) / 255) - 23;
    const K = M + ((size - M) % (U - 4));
    const local = K <= X ? K : M;
    if (start + local + 4 > U) throw new SqliteFormatError(`a cell of page ${pageNo} runs past the page`);
    // Pieces first, one buffer at the end: a damaged size costs memory only for pages that are really there.
    const pieces = [p.slice(start, start + local)];
    let got = local;
    let next = u32(p, start + local);
    while (got < size) {
      this.visit(next, 'an overflow chain');
      const o = this.page(next);
      const take = Math.min(U - 4, size - got);
      pieces.push(o.slice(4, 4 + take));
      got += take;
      next = u32(o, 0);
    }
    const buf = new Uint8Array(size);
    let off = 0;
    for (const piece of pieces) {
      buf.set(piece, off);
      off += piece.length;
    }
    this.payBuf = buf;
    this.payFrom = 0;
    this.payTo = size;
    return rowid;
  }

  /** Text as sql.js returns it: decoded in the file's encoding (bad UTF-8 as U+FFFD, as TextDecoder does), NUL bytes kept. */
  text(b: Uint8Array, from: number, to: number): string {
    if (!this.utf16 && to - from <= 24) {
      // Short ASCII (most names and ids) is cheaper to build by hand than through TextDecoder.
      let s = '';
      for (let i = from; i < to; i++) {
        const c = b[i];
        if (c >= 0x80) return this.decoder.decode(b.subarray(from, to));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.decoder.decode(b.subarray(from, to));
  }

  close(): void {
    this.src.close();
  }
}

/** A schema column's position in the record: VIRTUAL generated columns take none. */
function storedIndex(def: TableDef, col: number): number {
  let k = col;
  for (let i = 0; i < col; i++) if (def.columns[i].virtual) k--;
  return k;
}

/** A RowFilter span over values s and e of the record, both present (see compileFilter for the rule). */
function spanValid(rec: RecordView, s: number, e: number, openEnd: boolean): boolean {
  const types = rec.types;
  const ts = types[s];
  let start: number;
  if (ts >= 1 && ts <= 9 && ts !== 7) start = intValue(rec.buf, ts, rec.offsets[s]);
  else if (rec.classify(s) === 1) start = rec.lastNumber;
  else return false;
  const te = types[e];
  if (te >= 1 && te <= 9 && te !== 7) return intValue(rec.buf, te, rec.offsets[e]) >= start;
  const k = rec.classify(e);
  if (k === 0) return openEnd;
  return k === 1 && rec.lastNumber >= start;
}

/**
 * The integer of serial type 1–6, 8 or 9 at b[o] (big-endian two's complement; 8 and 9 are the
 * constants 0 and 1), kept small so the scan's loops inline it; other types go through RecordView.
 */
function intValue(b: Uint8Array, t: number, o: number): number {
  switch (t) {
    case 1:
      return (b[o] << 24) >> 24;
    case 2:
      return (((b[o] << 8) | b[o + 1]) << 16) >> 16;
    case 3:
      return (((b[o] << 16) | (b[o + 1] << 8) | b[o + 2]) << 8) >> 8;
    case 4:
      return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
    case 5:
      return (
        ((((b[o] << 8) | b[o + 1]) << 16) >> 16) * 4294967296 + (((b[o + 2] << 24) | (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5]) >>> 0)
      );
    case 6:
      return (
        ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) * 4294967296 +
        (((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0)
      );
    case 8:
      return 0;
    default:
      return 1;
  }
}

const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/**
 * A SQLite varint (1–9 bytes, big-endian, 7 bits a byte then 8) as a double; bounded by `end`. A
 * 9-byte one is a full 64-bit two's-complement value (negative rowids): read exactly, then rounded.
 */
function varint(b: Uint8Array, pos: { at: number }, end: number): number {
  let v = 0;
  let at = pos.at;
  for (let i = 0; i < 8; i++) {
    if (at >= end) throw new SqliteFormatError('a varint runs past its page');
    const c = b[at++];
    v = v * 128 + (c & 0x7f);
    if (c < 0x80) {
      pos.at = at;
      return v;
    }
  }
  if (at >= end) throw new SqliteFormatError('a varint runs past its page');
  let x = 0n;
  for (let i = pos.at; i < at; i++) x = (x << 7n) | BigInt(b[i] & 0x7f);
  x = (x << 8n) | BigInt(b[at++]);
  pos.at = at;
  return Number(BigInt.asIntN(64, x));
}

/**
 * One record, decoded lazily: its header (serial types and where each value starts) is read on
 * load; values are decoded when asked for. Reused for every row of a walk.
 */
class RecordView {
  count = 0;
  /** Serial type and body offset of each value read from the header (scan's hot loop reads them directly). */
  types = new Int32Array(64);
  offsets = new Int32Array(64);
  buf: Uint8Array = new Uint8Array(0);
  /** The number classify() found. */
  lastNumber = 0;

  constructor(private readonly db: PageDb) {}

  private readonly pos = { at: 0 };

  /**
   * Reads the record's header up to its `limit`th value: SQLite's own column
   * reader parses a header only as far as the column asked for, and so does this; values past the
   * limit are neither located nor checked, and `count` is at most `limit`.
   */
  load(buf: Uint8Array, from: number, to: number, pageNo: number, limit: number): void {
    let at = from;
    // Headers under 128 bytes (a 1-byte size) are every nsys row: read inline, no varint call.
    let hdrSize = buf[at];
    if (hdrSize < 0x80 && at < to) at++;
    else {
      const pos = this.pos;
      pos.at = at;
      hdrSize = varint(buf, pos, to);
      at = pos.at;
    }
    const hdrEnd = from + hdrSize;
    if (hdrSize < 1 || hdrEnd > to) throw new SqliteFormatError(`a record on page ${pageNo} has a bad header`);
    // A header of h bytes holds at most h serial types: room for them all, once, before the loop.
    const most = Math.min(limit, hdrEnd - at);
    if (most > this.types.length) {
      const cap = Math.max(most, this.types.length * 2);
      this.types = new Int32Array(cap);
      this.offsets = new Int32Array(cap);
    }
    const types = this.types;
    const offsets = this.offsets;
    let body = hdrEnd;
    let n = 0;
    while (at < hdrEnd && n < limit) {
      // Serial types are one byte for every value up to 57 bytes of text: read those inline.
      let t = buf[at];
      if (t < 0x80) at++;
      else {
        const pos = this.pos;
        pos.at = at;
        t = varint(buf, pos, hdrEnd);
        at = pos.at;
      }
      // SQLite refuses values over SQLITE_MAX_LENGTH (1e9 bytes at most), so every real serial type
      // fits an Int32Array (2e9 + 13 < 2^31) and the value loops switch on small integers; a
      // 9-byte varint can also read negative.
      if (!(t >= 0 && t <= MAX_SERIAL_TYPE)) throw new SqliteFormatError(`a record on page ${pageNo} has an impossible serial type (${t})`);
      types[n] = t;
      offsets[n] = body;
      const len = t < 12 ? SIZES[t] : (t - 12) >> 1;
      if (len < 0) throw new SqliteFormatError(`a record on page ${pageNo} uses reserved serial type ${t}`);
      body += len;
      n++;
    }
    if (body > to) throw new SqliteFormatError(`a record on page ${pageNo} runs past its cell`);
    this.count = n;
    this.buf = buf;
  }

  /** Value class for filters: 0 NULL, 1 number (→ lastNumber), 2 text or blob. */
  classify(i: number): number {
    const t = this.types[i];
    if (t === 0) return 0;
    if (t >= 12) return 2;
    const v = this.num(t, this.offsets[i]);
    if (Number.isNaN(v)) return 0; // a NaN REAL reads as NULL in SQLite
    this.lastNumber = v;
    return 1;
  }

  /** The value in a numeric column: see the conversions in db.ts. */
  number(i: number): number {
    const t = this.types[i];
    if (t === 0) return NULL_INT;
    if (t < 12) {
      const v = this.num(t, this.offsets[i]);
      return Number.isNaN(v) ? NULL_INT : v;
    }
    if (t & 1) return Number(this.db.text(this.buf, this.offsets[i], this.offsets[i] + (t - 13) / 2));
    return NaN;
  }

  text(i: number): string | null {
    const t = this.types[i];
    if (t === 0) return null;
    if (t < 12) {
      const v = this.num(t, this.offsets[i]);
      return Number.isNaN(v) ? null : String(v);
    }
    const len = t & 1 ? (t - 13) / 2 : (t - 12) / 2;
    return this.db.text(this.buf, this.offsets[i], this.offsets[i] + len);
  }

  value(i: number): SqlValue {
    if (i >= this.count) return null;
    const t = this.types[i];
    if (t === 0) return null;
    if (t < 12) {
      const v = this.num(t, this.offsets[i]);
      return Number.isNaN(v) ? null : v;
    }
    const o = this.offsets[i];
    if (t & 1) return this.db.text(this.buf, o, o + (t - 13) / 2);
    return this.buf.slice(o, o + (t - 12) / 2);
  }

  private num(t: number, o: number): number {
    const b = this.buf;
    switch (t) {
      case 1:
        return (b[o] << 24) >> 24;
      case 2:
        return (((b[o] << 8) | b[o + 1]) << 16) >> 16;
      case 3:
        return (((b[o] << 16) | (b[o + 1] << 8) | b[o + 2]) << 8) >> 8;
      case 4:
        return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
      case 5:
        return ((((b[o] << 8) | b[o + 1]) << 16) >> 16) * 4294967296 + u32(b, o + 2);
      case 6:
        return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) * 4294967296 + u32(b, o + 4);
      case 7:
        for (let k = 0; k < 8; k++) f64Bytes[k] = b[o + 7 - k];
        return f64Scratch[0];
      case 8:
        return 0;
      case 9:
        return 1;
      default:
        return NaN;
    }
  }
}
