import type { Database, SqlJsStatic } from 'sql.js';
import { CancelledError, NULL_INT, type ColArrays, type ColSpec, type ColumnarResult, type Db, type SqlValue } from './db';

/** Db over an in-memory sql.js database. The engine (wasm) is initialised by the caller (src/core/io in Node). */
export class SqlJsDb implements Db {
  private readonly db: Database;
  private tables: string[] | null = null;
  readonly sizeBytes: number;

  constructor(sql: SqlJsStatic, bytes: Uint8Array) {
    this.db = new sql.Database(bytes);
    this.sizeBytes = bytes.byteLength;
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

  columns<S extends ColSpec>(sql: string, spec: S, opts: { shouldCancel?: () => boolean; expectedRows?: number } = {}): ColumnarResult<S> {
    const names = Object.keys(spec);
    const types = names.map((n) => spec[n]);
    let cap = Math.max(16, opts.expectedRows ?? 1024);
    const arrays: (Float64Array | Int32Array | (string | null)[])[] = types.map((t) =>
      t === 'f64' ? new Float64Array(cap) : t === 'i32' ? new Int32Array(cap) : [],
    );
    const stmt = this.db.prepare(sql);
    let n = 0;
    try {
      const width = names.length;
      while (stmt.step()) {
        if (n === cap) {
          cap *= 2;
          for (let c = 0; c < width; c++) {
            const a = arrays[c];
            if (a instanceof Float64Array) { const b = new Float64Array(cap); b.set(a); arrays[c] = b; }
            else if (a instanceof Int32Array) { const b = new Int32Array(cap); b.set(a); arrays[c] = b; }
          }
        }
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

  close(): void {
    this.db.close();
  }
}
