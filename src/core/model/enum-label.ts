import { NULL_INT } from '../db/db';
import type { EnumTable } from './types';

/**
 * Label of an enum id from the file's own ENUM_* table (or the per-version fallback the schema
 * reader put there when the export has none, as 2022.2's). Ids the table does not list say so with
 * their number; a NULL column gives `nullLabel` (details show nothing, the memcpy table shows "-").
 */
export function enumLabel(table: EnumTable, id: number, nullLabel = ''): string {
  if (id === NULL_INT) return nullLabel;
  return table.labels.get(id) ?? `Unknown (${id})`;
}
