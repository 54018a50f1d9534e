/**
 * The typed query boundary between src/core and SQLite (Perfetto-style): callers declare the
 * columns they read and their types, and get columnar typed arrays back. Nothing above this file
 * knows which SQLite engine runs underneath (sql.js in Node, Electron main, a worker or the CLI).
 */
export type SqlValue = number | string | Uint8Array | null;

/** Column type tags: f64 for timestamps/ids/bytes (integers up to 2^53 are exact), i32 for small ints, str for text. */
export type ColType = 'f64' | 'i32' | 'str';
export type ColSpec = Record<string, ColType>;
export type ColArrays<S extends ColSpec> = {
  [K in keyof S]: S[K] extends 'f64' ? Float64Array : S[K] extends 'i32' ? Int32Array : (string | null)[];
};
export interface ColumnarResult<S extends ColSpec> {
  count: number;
  cols: ColArrays<S>;
}

/** Value used for SQL NULL in numeric columns. nsys leaves many optional ints NULL (graphNodeId, srcKind...). */
export const NULL_INT = -1;

/**
 * A row test the readers need, given as data so that each engine evaluates it its own way (sql.js
 * as SQL, the page reader in TypeScript) with SQL's semantics.
 */
export type RowFilter =
  /** typeof(start) and typeof(end) are 'integer' or 'real' and end >= start; with `openEnd`, a NULL end passes too. */
  | { kind: 'span'; start: string; end: string; openEnd?: boolean }
  /** `column NOT IN (values)`: as in SQL, a NULL column fails; an empty list passes every row. */
  | { kind: 'not-in'; column: string; values: number[] };

/** `SELECT <from...> FROM table WHERE <where> AND <valid>`, as data (see readTable in schema/select.ts). */
export interface TableScan<S extends ColSpec> {
  table: string;
  spec: S;
  /** The table column each output column reads, or null for NULL (a column this file lacks). */
  from: { [K in keyof S]: string | null };
  /** Rows failing any of these are left out. */
  where?: RowFilter[];
  /** Rows passing `where` but failing any of these are left out and counted in `invalid`. */
  valid?: RowFilter[];
  /** Polled every 65536 rows so that long reads can be abandoned. */
  shouldCancel?: () => boolean;
}

export interface ScanResult<S extends ColSpec> extends ColumnarResult<S> {
  /** Rows left out by `valid`. */
  invalid: number;
}

/**
 * Values convert the same way in every engine: integers and floats are numbers (integers past 2^53
 * rounded as sqlite3_column_double rounds them); NULL is NULL_INT in numeric columns and null in
 * text columns; text in a numeric column is Number(text), a blob NaN; a number in a text column is
 * String(number); text keeps any NUL bytes it holds.
 */
export interface Db {
  /** Size of the database image in bytes: no table can hold more rows than this allows. */
  readonly sizeBytes: number;
  /** Tables only: a view can run forever (WITH RECURSIVE) and nsys exports have none. */
  tableNames(): string[];
  hasTable(name: string): boolean;
  /** Column names of a table ([] when the table is absent). */
  tableColumns(table: string): string[];
  /**
   * Every row of a small table (metadata, enums, StringIds), the named columns in that order; a
   * column the table lacks reads as null. Rows come in rowid order, as `SELECT ... FROM table` does.
   */
  tableRows(table: string, columns: string[]): SqlValue[][];
  /**
   * About how many rows `table` holds (its largest rowid, bounded by what the file can hold): for
   * progress and preallocation only, never for results. 0 when the table is absent or empty.
   */
  estimateRows(table: string): number;
  /** Columnar read of a table straight into typed arrays, in rowid order. */
  scan<S extends ColSpec>(scan: TableScan<S>): ScanResult<S>;
  close(): void;
}

/** Thrown by long loops when their caller cancelled. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'CancelledError';
  }
}
