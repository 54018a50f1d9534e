import { readFileSync } from 'node:fs';
import { SqlJsDb } from '../db/sqljs-db';
import type { Db } from '../db/db';
import { loadSqlJs } from './sqljs-node';

/** Opens a SQLite file read-only into memory (sql.js never writes back to the user's file). */
export async function openSqliteFile(path: string): Promise<Db> {
  const SQL = await loadSqlJs();
  const bytes = readFileSync(path);
  return new SqlJsDb(SQL, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
