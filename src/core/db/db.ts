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

export interface Db {
  /** Size of the database image in bytes: no table can hold more rows than this allows. */
  readonly sizeBytes: number;
  /** Tables only: a view can run forever (WITH RECURSIVE) and nsys exports have none. */
  tableNames(): string[];
  hasTable(name: string): boolean;
  /** Column names of a table ([] when the table is absent). */
  tableColumns(table: string): string[];
  /** Row-at-a-time scan; row values are in SELECT order. For small tables and metadata. */
  rows(sql: string, params?: SqlValue[]): SqlValue[][];
  /**
   * Columnar read: the SELECT must return the spec's columns in the spec's order. NULL numbers become
   * NULL_INT. `shouldCancel` is polled every 65536 rows so long reads can be abandoned.
   */
  columns<S extends ColSpec>(sql: string, spec: S, opts?: { shouldCancel?: () => boolean; expectedRows?: number }): ColumnarResult<S>;
  close(): void;
}

/** Thrown by long loops when their caller cancelled. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'CancelledError';
  }
}
