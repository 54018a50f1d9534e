import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { PageDb, SqliteFormatError, SqliteUnsupportedError } from '../db/page-db';
import { overlaySource, type PageSource } from '../db/page-source';
import { SqlJsDb } from '../db/sqljs-db';
import type { Db } from '../db/db';
import { isNsysExport } from '../model/build-model';
import { TraceOpenError } from './errors';
import { filePageSource } from './file-page-source';
import { loadSqlJs } from './sqljs-node';
import { applyWal, journalOverlay, rollbackJournal, SidecarError, walOverlay } from './sqlite-sidecar';

/** Which engine reads an export: sql.js (whole file in wasm memory) or the page reader (db/page-db.ts). */
export type SqliteReader = 'sqljs' | 'pages';

/** Opens a SQLite file read-only into memory with sql.js (which never writes back to the user's file). */
export async function openSqliteFile(path: string, shownName: string = basename(path)): Promise<SqlJsDb> {
  const SQL = await loadSqlJs();
  const bytes = withSidecars(path, shownName);
  return new SqlJsDb(SQL, bytes);
}

/**
 * Opens a SQLite file with the page reader: read from disk a page at a time as the model is built,
 * with its -wal's committed pages or its hot -journal's saved pages laid over the file's own.
 */
export function openSqlitePages(path: string, shownName: string = basename(path)): PageDb {
  const file = filePageSource(path);
  try {
    return new PageDb(withSidecarPages(file, path, shownName));
  } catch (e) {
    file.close();
    throw e;
  }
}

function withSidecarPages(file: PageSource, path: string, shownName: string): PageSource {
  const h = file.read(0, 100);
  if (h.length < 100) return file;
  const walMode = h[18] === 2 || h[19] === 2;
  const side = walMode ? '-wal' : '-journal';
  const extra = readIfPresent(path + side);
  if (!extra || !extra.length) return file;
  try {
    const pageSize = ((h[16] << 8) | h[17]) === 1 ? 65536 : (h[16] << 8) | h[17];
    const o = walMode ? walOverlay(extra) : journalOverlay(extra, pageSize);
    return o ? overlaySource(file, o.pages, o.pageSize, o.pageCount) : file;
  } catch (e) {
    if (!(e instanceof SidecarError)) throw e;
    throw sidecarError(shownName, side, e, path);
  }
}

function sidecarError(shownName: string, side: string, e: Error, path: string): TraceOpenError {
  return new TraceOpenError(
    'corrupt',
    `${shownName} has a ${side} file beside it that SQLite would read, and ${e.message}. Open the database once with the program that wrote it (or sqlite3) so that it finishes, or copy the database together with its ${side} file again.`,
    path,
  );
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
    throw sidecarError(shownName, side, e, path);
  }
  if (walMode) {
    // Our copy is complete now: read it in rollback mode, so sql.js looks for no -wal of its own.
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return bytes;
}

/** Node's readFileSync refuses files over 2 GiB, and sql.js holds the whole database in its wasm32 heap. */
export const SQLJS_MAX_BYTES = 2 ** 31 - 1;

/**
 * The page reader reads every export: it was faster and smaller than sql.js at every size measured
 * (docs/architecture.md, "Exports are read page by page"). sql.js stays for files using what the page
 * reader does not read, and NSYS_VIEWER_SQLITE_READER=sqljs|pages forces one (tests, benches).
 */
export function chooseReader(size: number, env: Record<string, string | undefined> = process.env): SqliteReader {
  const forced = env.NSYS_VIEWER_SQLITE_READER;
  if (forced === 'pages' || (forced === 'sqljs' && size <= SQLJS_MAX_BYTES)) return forced;
  return 'pages';
}

/**
 * Opens `path` and checks that it is a readable nsys export; throws TraceOpenError otherwise.
 * `shownName` is what messages call the file (the report's name when this is our cached export).
 * `reader` defaults to chooseReader's pick; the page reader hands over to sql.js when the file uses
 * what it does not read and fits in sql.js.
 */
export async function openNsysSqlite(path: string, shownName: string = basename(path), reader?: SqliteReader): Promise<Db> {
  let use = reader ?? chooseReader(statSync(path).size);
  let db: Db | null = null;
  try {
    if (use === 'pages') {
      const pages = openSqlitePages(path, shownName);
      db = pages;
      const unsupported = pages.unsupported();
      if (unsupported && pages.sizeBytes <= SQLJS_MAX_BYTES && reader === undefined) {
        // A valid file using what the page reader does not read (a WITHOUT ROWID table, a generated
        // column): sql.js reads everything SQLite reads, when the file fits in it.
        pages.close();
        db = null;
        use = 'sqljs';
      }
    }
    if (use === 'sqljs') db = await openSqliteFile(path, shownName);
    // sql.js parses lazily: a damaged file fails on its first query, here.
    if (!isNsysExport(db!)) {
      const tables = db!.tableNames();
      throw new TraceOpenError(
        'not-nsys-export',
        `${shownName} is a SQLite database but not an Nsight Systems export (${tables.length ? `its tables: ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}` : 'it has no tables'}; an export has StringIds and META_DATA_EXPORT or EXPORT_META_DATA). Open a file made by nsys export --type sqlite, or the .nsys-rep report.`,
        path,
      );
    }
    return db!;
  } catch (e) {
    db?.close();
    if (e instanceof TraceOpenError) throw e;
    throw new TraceOpenError('corrupt', damagedMessage(shownName, e), path);
  }
}

/** One line for a file that does not read as SQLite, naming who said so. */
export function damagedMessage(shownName: string, e: unknown): string {
  const why =
    e instanceof SqliteFormatError || e instanceof SqliteUnsupportedError
      ? e.message
      : `SQLite says: ${e instanceof Error ? e.message : String(e)}`;
  return `${shownName} is a damaged SQLite database (${why}). Copy it again, or export the report again with nsys export --type sqlite.`;
}
