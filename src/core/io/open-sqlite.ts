import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SqlJsDb } from '../db/sqljs-db';
import type { Db } from '../db/db';
import { isNsysExport } from '../model/build-model';
import { TraceOpenError } from './errors';
import { loadSqlJs } from './sqljs-node';
import { applyWal, rollbackJournal, SidecarError } from './sqlite-sidecar';

/** Opens a SQLite file read-only into memory (sql.js never writes back to the user's file). */
export async function openSqliteFile(path: string, shownName: string = basename(path)): Promise<Db> {
  const SQL = await loadSqlJs();
  const bytes = withSidecars(path, shownName);
  return new SqlJsDb(SQL, bytes);
}

function readIfPresent(path: string): Uint8Array | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/**
 * The file's bytes as SQLite would see them: with its -wal's committed pages (WAL mode, header
 * bytes 18–19 = 2) or with its hot -journal rolled back (rollback mode). See sqlite-sidecar.ts.
 */
function withSidecars(path: string, shownName: string): Uint8Array {
  const file = readFileSync(path);
  let bytes: Uint8Array = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length < 100) return bytes;
  const walMode = bytes[18] === 2 || bytes[19] === 2;
  const side = walMode ? '-wal' : '-journal';
  const extra = readIfPresent(path + side);
  try {
    if (extra && extra.length) {
      const pageSize = ((bytes[16] << 8) | bytes[17]) === 1 ? 65536 : (bytes[16] << 8) | bytes[17];
      bytes = walMode ? applyWal(bytes, extra) : rollbackJournal(bytes, extra, pageSize);
    }
  } catch (e) {
    if (!(e instanceof SidecarError)) throw e;
    throw new TraceOpenError(
      'corrupt',
      `${shownName} has a ${side} file beside it that SQLite would read, and ${e.message}. Open the database once with the program that wrote it (or sqlite3) so that it finishes, or copy the database together with its ${side} file again.`,
      path,
    );
  }
  if (walMode) {
    // Our copy is complete now: read it in rollback mode, so sql.js looks for no -wal of its own.
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return bytes;
}

/**
 * Opens `path` and checks that it is a readable nsys export; throws TraceOpenError otherwise.
 * `shownName` is what messages call the file (the report's name when this is our cached export).
 */
export async function openNsysSqlite(path: string, shownName: string = basename(path)): Promise<Db> {
  const db = await openSqliteFile(path, shownName);
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
