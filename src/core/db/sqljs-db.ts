import type { Database, SqlJsStatic, Statement } from 'sql.js';
import {
  CancelledError,
  NULL_INT,
  type ColArrays,
  type ColSpec,
  type ColumnarResult,
  type Db,
  type RowFilter,
  type ScanResult,
  type SqlValue,
  type TableScan,
} from './db';

/**
 * SQLite's C API as sql.js's Emscripten module exports it (sql.js 1.x: `_sqlite3_*`, UTF8ToString).
 * sql.js's `Statement.get()` builds a JavaScript array per row through cwrap'd calls; at millions of
 * rows that array is ~70% of decode time (issue 15), so the columnar read calls these directly and
 * writes straight into typed arrays. Absent (another sql.js build) → the portable step/get loop.
 */
interface RawSqlite {
  _sqlite3_step(stmt: number): number;
  _sqlite3_column_type(stmt: number, col: number): number;
  _sqlite3_column_double(stmt: number, col: number): number;
  _sqlite3_column_text(stmt: number, col: number): number;
  _sqlite3_column_bytes(stmt: number, col: number): number;
  _sqlite3_sql(stmt: number): number;
  _sqlite3_errmsg(db: number): number;
  /** `ignoreNul`: read all maxBytes, as Statement.get() does (otherwise the text stops at a NUL byte). */
  UTF8ToString(ptr: number, maxBytes?: number, ignoreNul?: boolean): string;
}
const SQLITE_ROW = 100;
const SQLITE_DONE = 101;
const SQLITE_TEXT = 3;
const SQLITE_BLOB = 4;
const SQLITE_NULL = 5;

function rawApi(sql: SqlJsStatic): RawSqlite | null {
  const m = sql as unknown as Record<string, unknown>;
  const names = [
    '_sqlite3_step',
    '_sqlite3_column_type',
    '_sqlite3_column_double',
    '_sqlite3_column_text',
    '_sqlite3_column_bytes',
    '_sqlite3_sql',
    '_sqlite3_errmsg',
    'UTF8ToString',
  ];
  return names.every((n) => typeof m[n] === 'function') ? (sql as unknown as RawSqlite) : null;
}

/**
 * The sqlite3_stmt pointer behind a sql.js Statement. sql.js keeps it in a property whose name the
 * minifier chose (not part of its API), so it is found by value: the numeric property that SQLite
 * itself says was prepared from `sqlText`. Null when none matches (then the portable loop runs).
 */
function stmtPointer(raw: RawSqlite, stmt: Statement, sqlText: string): number | null {
  for (const v of Object.values(stmt as unknown as Record<string, unknown>)) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 4096) continue;
    try {
      if (raw.UTF8ToString(raw._sqlite3_sql(v)) === sqlText) return v;
    } catch {
      // Not a statement pointer: reading through it left the wasm heap.
    }
  }
  return null;
}

/** Db over an in-memory sql.js database. The engine (wasm) is initialised by the caller (src/core/io in Node). */
export class SqlJsDb implements Db {
  private readonly db: Database;
  private readonly raw: RawSqlite | null;
  private tables: string[] | null = null;
  readonly sizeBytes: number;

  /** `rowDecode: 'portable'` forces sql.js's public step/get loop (tests compare the two). */
  constructor(sql: SqlJsStatic, bytes: Uint8Array, opts: { rowDecode?: 'c-api' | 'portable' } = {}) {
    this.db = new sql.Database(bytes);
    this.sizeBytes = bytes.byteLength;
    this.raw = opts.rowDecode === 'portable' ? null : rawApi(sql);
  }

  tableNames(): string[] {
    if (!this.tables) {
      this.tables = this.rows("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r[0]));
    }
    return this.tables;
  }

  hasTable(name: string): boolean {
    return this.tableNames().includes(name);
  }

  tableColumns(table: string): string[] {
    if (!this.hasTable(table)) return [];
    return this.rows(`PRAGMA table_info("${table.replace(/"/g, '""')}")`).map((r) => String(r[1]));
  }

  tableRows(table: string, columns: string[]): SqlValue[][] {
    const present = new Set(this.tableColumns(table));
    if (present.size === 0) return [];
    return this.rows(`SELECT ${columns.map((c) => (present.has(c) ? quoteId(c) : 'NULL')).join(', ')} FROM ${quoteId(table)}`);
  }

  /**
   * max(rowid) is only a hint, and a hostile file can say 2^62 with one row: a row takes at least 2
   * bytes plus one per column in the file (cell header, rowid, record header), so the file's size
   * bounds how many rows the table can really hold.
   */
  estimateRows(table: string): number {
    if (!this.hasTable(table)) return 0;
    const r = this.rows(`SELECT max(rowid) FROM ${quoteId(table)}`)[0];
    const width = this.tableColumns(table).length;
    return r && typeof r[0] === 'number' ? Math.max(0, Math.min(r[0], Math.floor(this.sizeBytes / (2 + width)))) : 0;
  }

  scan<S extends ColSpec>(scan: TableScan<S>): ScanResult<S> {
    const names = Object.keys(scan.spec);
    if (!this.hasTable(scan.table)) {
      return { ...this.columns(`SELECT ${names.map(() => 'NULL').join(', ')} WHERE 0`, scan.spec), invalid: 0 };
    }
    const table = quoteId(scan.table);
    // One past the estimate: sql.js's columns() trims what it does not fill, and a full array would grow.
    const expectedRows = this.estimateRows(scan.table) + 1;
    const select = names.map((n) => {
      const c = scan.from[n];
      return c === null ? 'NULL' : quoteId(c);
    });
    const where = (scan.where ?? []).map(filterSql);
    const conds = [...where, ...(scan.valid ?? []).map(filterSql)];
    const result = this.columns(
      `SELECT ${select.join(', ')} FROM ${table}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}`,
      scan.spec,
      {
        shouldCancel: scan.shouldCancel,
        expectedRows,
      },
    );
    let invalid = 0;
    if (scan.valid?.length) {
      // count(*) walks the b-tree without decoding records: cheap next to the read itself.
      const all = Number(this.rows(`SELECT count(*) FROM ${table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`)[0]?.[0] ?? 0);
      invalid = Math.max(0, all - result.count);
    }
    return { ...result, invalid };
  }

  /** Any SQL, row at a time (tests and tools; the readers go through tableRows/scan). */
  rows(sql: string, params?: SqlValue[]): SqlValue[][] {
    const stmt = this.db.prepare(sql);
    try {
      if (params) stmt.bind(params);
      const out: SqlValue[][] = [];
      while (stmt.step()) out.push(stmt.get());
      return out;
    } finally {
      stmt.free();
    }
  }

  /** Any SELECT into typed arrays; it must return the spec's columns in the spec's order. */
  columns<S extends ColSpec>(sql: string, spec: S, opts: { shouldCancel?: () => boolean; expectedRows?: number } = {}): ColumnarResult<S> {
    const names = Object.keys(spec);
    const types = names.map((n) => spec[n]);
    let cap = Math.max(16, opts.expectedRows ?? 1024);
    const arrays: (Float64Array | Int32Array | (string | null)[])[] = types.map((t) =>
      t === 'f64' ? new Float64Array(cap) : t === 'i32' ? new Int32Array(cap) : [],
    );
    const stmt = this.db.prepare(sql);
    let n = 0;
    const width = names.length;
    const grow = () => {
      cap *= 2;
      for (let c = 0; c < width; c++) {
        const a = arrays[c];
        if (a instanceof Float64Array) {
          const b = new Float64Array(cap);
          b.set(a);
          arrays[c] = b;
        } else if (a instanceof Int32Array) {
          const b = new Int32Array(cap);
          b.set(a);
          arrays[c] = b;
        }
      }
    };
    try {
      const raw = this.raw;
      const ptr = raw ? stmtPointer(raw, stmt, sql) : null;
      if (raw && ptr !== null) {
        n = this.decodeRaw(
          raw,
          ptr,
          arrays,
          () => {
            grow();
            return cap;
          },
          cap,
          opts.shouldCancel,
        );
      } else
        while (stmt.step()) {
          if (n === cap) grow();
          const row = stmt.get();
          for (let c = 0; c < width; c++) {
            const v = row[c];
            const a = arrays[c];
            if (Array.isArray(a)) a.push(v === null || v === undefined ? null : String(v));
            else a[n] = v === null || v === undefined ? NULL_INT : (v as number);
          }
          n++;
          if ((n & 0xffff) === 0 && opts.shouldCancel?.()) throw new CancelledError();
        }
    } finally {
      stmt.free();
    }
    const cols = {} as Record<string, Float64Array | Int32Array | (string | null)[]>;
    names.forEach((name, c) => {
      const a = arrays[c];
      cols[name] = Array.isArray(a) ? a : a.length === n ? a : a.slice(0, n);
    });
    return { count: n, cols: cols as ColArrays<S> };
  }

  /**
   * The columnar loop over SQLite's C API. Values convert as `Statement.get()` + the portable loop
   * convert them (integers and floats through sqlite3_column_double, NULL → NULL_INT / null, text in
   * a numeric column → Number(text), a number in a text column → String); a blob, which no nsys
   * column holds, reads as NaN in a numeric column and as its bytes' UTF-8 text in a text column.
   */
  private decodeRaw(
    raw: RawSqlite,
    ptr: number,
    arrays: (Float64Array | Int32Array | (string | null)[])[],
    grow: () => number,
    capIn: number,
    shouldCancel: (() => boolean) | undefined,
  ): number {
    const width = arrays.length;
    let cap = capIn;
    let n = 0;
    for (;;) {
      const rc = raw._sqlite3_step(ptr);
      if (rc === SQLITE_DONE) break;
      if (rc !== SQLITE_ROW) {
        const dbPtr = (this.db as unknown as { db?: unknown }).db;
        throw new Error(typeof dbPtr === 'number' ? raw.UTF8ToString(raw._sqlite3_errmsg(dbPtr)) : `SQLite error ${rc}`);
      }
      if (n === cap) cap = grow();
      for (let c = 0; c < width; c++) {
        const a = arrays[c];
        const t = raw._sqlite3_column_type(ptr, c);
        if (Array.isArray(a)) {
          if (t === SQLITE_NULL) a.push(null);
          else if (t === SQLITE_TEXT || t === SQLITE_BLOB)
            a.push(raw.UTF8ToString(raw._sqlite3_column_text(ptr, c), raw._sqlite3_column_bytes(ptr, c), true));
          else a.push(String(raw._sqlite3_column_double(ptr, c)));
        } else if (t === SQLITE_NULL) a[n] = NULL_INT;
        else if (t === SQLITE_TEXT)
          a[n] = Number(raw.UTF8ToString(raw._sqlite3_column_text(ptr, c), raw._sqlite3_column_bytes(ptr, c), true));
        else if (t === SQLITE_BLOB) a[n] = NaN;
        else a[n] = raw._sqlite3_column_double(ptr, c);
      }
      n++;
      if ((n & 0xffff) === 0 && shouldCancel?.()) throw new CancelledError();
    }
    return n;
  }

  close(): void {
    this.db.close();
  }
}

const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;
const NUMERIC = "IN ('integer', 'real')";

/** A RowFilter as SQL (see db.ts for what each means). */
function filterSql(f: RowFilter): string {
  if (f.kind === 'not-in')
    return f.values.length ? `(${quoteId(f.column)} NOT IN (${f.values.map((v) => String(Number(v))).join(', ')}))` : '(1)';
  const s = quoteId(f.start);
  const e = quoteId(f.end);
  return f.openEnd
    ? `(typeof(${s}) ${NUMERIC} AND (${e} IS NULL OR (typeof(${e}) ${NUMERIC} AND ${e} >= ${s})))`
    : `(typeof(${s}) ${NUMERIC} AND typeof(${e}) ${NUMERIC} AND ${e} >= ${s})`;
}
