import type { ColSpec, Db, RowFilter, ScanResult } from '../db/db';

/**
 * Columnar read of `table` where columns missing from this file's schema read as NULL (→ NULL_INT).
 * Schemas differ by nsys version (2022.4 exports lack greenContextId, graphNodeId on some tables,
 * copyCount, ...), so readers name what they want and take what is there. The read is a structured
 * scan, not SQL, so that an engine without SQL (the page reader for big files, db/page-db.ts) runs
 * it too.
 */
export function readTable<S extends ColSpec>(
  db: Db,
  table: string,
  spec: S,
  opts: {
    where?: RowFilter;
    shouldCancel?: () => boolean;
    /** Rows must satisfy this to be read; the ones that do not are counted into `skipped`. */
    valid?: RowFilter;
    skipped?: { table: string; rows: number }[];
  } = {},
): ScanResult<S> {
  // nsys creates tables lazily: no memcpy in a trace means no CUPTI_ACTIVITY_KIND_MEMCPY at all
  // (the scan of an absent table is empty).
  const present = new Set(db.tableColumns(table));
  const from = {} as { [K in keyof S]: string | null };
  for (const c of Object.keys(spec) as (keyof S & string)[]) from[c] = present.has(c) ? c : null;
  // The validity rule names its columns: a file without them (a renamed column) reads as before.
  const named = (f: RowFilter | undefined) =>
    f && (f.kind === 'span' ? present.has(f.start) && present.has(f.end) : present.has(f.column)) ? f : undefined;
  const valid = named(opts.valid);
  const where = named(opts.where);
  const result = db.scan({
    table,
    spec,
    from,
    where: where ? [where] : undefined,
    valid: valid ? [valid] : undefined,
    shouldCancel: opts.shouldCancel,
  });
  if (valid && opts.skipped && result.invalid > 0) opts.skipped.push({ table, rows: result.invalid });
  return result;
}
