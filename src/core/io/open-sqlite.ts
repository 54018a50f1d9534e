import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SqlJsDb } from '../db/sqljs-db';
import type { Db } from '../db/db';
import { isNsysExport } from '../model/build-model';
import { TraceOpenError } from './errors';
import { loadSqlJs } from './sqljs-node';

/** Opens a SQLite file read-only into memory (sql.js never writes back to the user's file). */
export async function openSqliteFile(path: string): Promise<Db> {
  const SQL = await loadSqlJs();
  const bytes = readFileSync(path);
  return new SqlJsDb(SQL, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * Opens `path` and checks that it is a readable nsys export; throws TraceOpenError otherwise.
 * `shownName` is what messages call the file (the report's name when this is our cached export).
 */
export async function openNsysSqlite(path: string, shownName: string = basename(path)): Promise<Db> {
  const db = await openSqliteFile(path);
  try {
    // sql.js parses lazily: a damaged file fails on its first query, here.
    if (!isNsysExport(db)) {
      const tables = db.tableNames();
      throw new TraceOpenError(
        'not-nsys-export',
        `${shownName} is a SQLite database but not an Nsight Systems export (${tables.length ? `its tables: ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}` : 'it has no tables'}; an export has StringIds and META_DATA_EXPORT or EXPORT_META_DATA). Open a file made by nsys export --type sqlite, or the .nsys-rep report.`,
        path,
      );
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof TraceOpenError) throw e;
    throw new TraceOpenError(
      'corrupt',
      `${shownName} is a damaged SQLite database (SQLite says: ${e instanceof Error ? e.message : String(e)}). Copy it again, or export the report again with nsys export --type sqlite.`,
      path,
    );
  }
}
