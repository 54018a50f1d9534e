import type { ColSpec, ColumnarResult, Db } from '../db/db';

/**
 * Columnar read of `table` where columns missing from this file's schema read as NULL (→ NULL_INT).
 * Schemas differ by nsys version (2022.4 exports lack greenContextId, graphNodeId on some tables,
 * copyCount, ...), so readers name what they want and take what is there.
 */
export function readTable<S extends ColSpec>(
  db: Db,
  table: string,
  spec: S,
  opts: {
    where?: string;
    shouldCancel?: () => boolean;
    exprs?: Partial<Record<keyof S, string>>;
    /** Rows must satisfy this to be read; the ones that do not are counted into `skipped`. */
    valid?: string;
    skipped?: { table: string; rows: number }[];
  } = {},
): ColumnarResult<S> {
  const present = new Set(db.tableColumns(table));
  if (present.size === 0) {
    // nsys creates tables lazily: no memcpy in a trace means no CUPTI_ACTIVITY_KIND_MEMCPY at all.
    return db.columns(
      `SELECT ${Object.keys(spec)
        .map(() => 'NULL')
        .join(', ')} WHERE 0`,
      spec,
    );
  }
  const select = Object.keys(spec).map((c) => {
    const expr = opts.exprs?.[c as keyof S];
    if (expr) return expr;
    return present.has(c) ? `"${c}"` : 'NULL';
  });
  // max(rowid) is a preallocation hint, and a hostile file can say 2^62 with one row: a row takes at
  // least 2 bytes plus one per column in the file (cell header, rowid, record header), so the file's
  // size bounds how many rows the table can really hold.
  let expectedRows: number | undefined;
  const r = db.rows(`SELECT max(rowid) FROM "${table}"`)[0];
  if (r && typeof r[0] === 'number') expectedRows = Math.max(0, Math.min(r[0] + 1, Math.floor(db.sizeBytes / (2 + present.size))));
  // The validity rule names start/end: a file without them (a renamed column) reads as before.
  const valid = opts.valid && present.has('start') && present.has('end') ? opts.valid : undefined;
  const conds = [opts.where, valid].filter(Boolean).map((c) => `(${c})`);
  const result = db.columns(`SELECT ${select.join(', ')} FROM "${table}"${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}`, spec, {
    shouldCancel: opts.shouldCancel,
    expectedRows,
  });
  if (valid && opts.skipped) {
    // count(*) walks the b-tree without decoding records: cheap next to the read itself.
    const all = Number(db.rows(`SELECT count(*) FROM "${table}"${opts.where ? ` WHERE ${opts.where}` : ''}`)[0]?.[0] ?? 0);
    if (all > result.count) opts.skipped.push({ table, rows: all - result.count });
  }
  return result;
}
