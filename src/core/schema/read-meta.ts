import type { Db, SqlValue } from '../db/db';
import type { EnumTable, GpuInfo, ProcessInfo } from '../model/types';
import { pidOf } from '../util/global-id';

export interface ExportMeta {
  exportVersion: string;
  schemaVersion: string;
  metaTable: 'META_DATA_EXPORT' | 'EXPORT_META_DATA' | 'none';
}

/**
 * Export metadata. nsys 2023+ (2025.3 here) writes META_DATA_EXPORT(name, value);
 * nsys 2022.4 writes EXPORT_META_DATA(name, value) instead. Both hold EXPORT_PRODUCT_VERSION.
 */
export function readExportMeta(db: Db): ExportMeta {
  for (const table of ['META_DATA_EXPORT', 'EXPORT_META_DATA'] as const) {
    if (!db.hasTable(table)) continue;
    const cols = db.tableColumns(table);
    if (!cols.includes('name') || !cols.includes('value')) continue;
    const kv = new Map(db.tableRows(table, ['name', 'value']).map((r) => [String(r[0]), r[1] === null ? '' : String(r[1])]));
    return {
      exportVersion: kv.get('EXPORT_PRODUCT_VERSION') ?? '',
      schemaVersion: kv.get('EXPORT_SCHEMA_VERSION') ?? '',
      metaTable: table,
    };
  }
  return { exportVersion: '', schemaVersion: '', metaTable: 'none' };
}

export interface StringTable {
  /** Strings by model id: the StringIds id itself, or its rank when `remap` is set. */
  strings: string[];
  /**
   * StringIds id → model id, only when the file's ids are sparse. nsys numbers StringIds densely
   * from 0 (every 2022.4 and 2025.3 export we have), so the model indexes strings by id; a file whose
   * ids are far above its row count (one row with id 2,000,000,000 would make a 2-billion-slot array
   * and exhaust the heap) gets its ids renumbered in ascending order instead, which keeps every
   * "ties break by StringIds id" ordering of nsys stats.
   */
  remap: Map<number, number> | null;
}

/** Ids up to this far past the row count are kept positional (holes read as ''). */
const DENSE_SLACK = 65_536;

/** StringIds(id, value): strings by id (dense), or renumbered when the ids are sparse (see StringTable). */
export function readStrings(db: Db): StringTable {
  if (!db.hasTable('StringIds')) return { strings: [], remap: null };
  const rows = db.tableRows('StringIds', ['id', 'value']);
  const ids: number[] = [];
  const values: string[] = [];
  let maxId = -1;
  for (const [id, value] of rows) {
    // Ids that are not non-negative integers (text, REAL, negative) name nothing an event can refer to.
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) continue;
    ids.push(id);
    values.push(value === null ? '' : String(value));
    if (id > maxId) maxId = id;
  }
  if (maxId < ids.length * 2 + DENSE_SLACK) {
    const strings = new Array<string>(maxId + 1).fill('');
    for (let k = 0; k < ids.length; k++) strings[ids[k]] = values[k];
    return { strings, remap: null };
  }
  const order = ids.map((_, k) => k).sort((a, b) => ids[a] - ids[b]);
  const remap = new Map<number, number>();
  const strings: string[] = [];
  for (const k of order) {
    const seen = remap.get(ids[k]);
    if (seen !== undefined) {
      strings[seen] = values[k]; // a duplicated id: the last row wins, as in the dense array
      continue;
    }
    remap.set(ids[k], strings.length);
    strings.push(values[k]);
  }
  return { strings, remap };
}

/** Rewrites StringIds ids in place to model ids (ids StringIds does not hold become NULL_INT). */
export function remapStringIds(col: Int32Array, remap: Map<number, number> | null): void {
  if (!remap) return;
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (v < 0) continue;
    col[i] = remap.get(v) ?? -1;
  }
}

/**
 * Labels for exports that lack an ENUM table: nsys 2022.2 (schema 2.9.1, hpcgroup__pipit's
 * saxpy-mpi-cuda export) writes copyKind/srcKind/dstKind but neither ENUM_CUDA_MEMCPY_OPER nor
 * ENUM_CUDA_MEM_KIND. The values are the ones nsys itself writes into those tables, identical in
 * the 2022.4.2 (Debian), 2024.5.1 (perlmutter-cloverleaf-cuda) and 2025.3.2 (shared traces)
 * exports: copy kinds are CUPTI's CUpti_ActivityMemcpyKind (CUPTI activity API docs), memory
 * kinds nsys's own CUDA_MEMOPR_MEMORY_KIND_* numbering (0 = pageable, unlike CUPTI's
 * CUpti_ActivityMemoryKind where 0 is unknown). The 2022.2 rows agree: its HtoD copies read
 * srcKind 0 → dstKind 2 (Pageable → Device).
 */
export const DOCUMENTED_ENUMS: Record<string, [name: string, label: string][]> = {
  ENUM_CUDA_MEMCPY_OPER: [
    ['CUDA_MEMCPY_KIND_UNKNOWN', 'Unknown'],
    ['CUDA_MEMCPY_KIND_HTOD', 'Host-to-Device'],
    ['CUDA_MEMCPY_KIND_DTOH', 'Device-to-Host'],
    ['CUDA_MEMCPY_KIND_HTOA', 'Host-to-Array'],
    ['CUDA_MEMCPY_KIND_ATOH', 'Array-to-Host'],
    ['CUDA_MEMCPY_KIND_ATOA', 'Array-to-Array'],
    ['CUDA_MEMCPY_KIND_ATOD', 'Array-to-Device'],
    ['CUDA_MEMCPY_KIND_DTOA', 'Device-to-Array'],
    ['CUDA_MEMCPY_KIND_DTOD', 'Device-to-Device'],
    ['CUDA_MEMCPY_KIND_HTOH', 'Host-to-Host'],
    ['CUDA_MEMCPY_KIND_PTOP', 'Peer-to-Peer'],
    ['CUDA_MEMCPY_KIND_UVM_HTOD', 'Unified Host-to-Device'],
    ['CUDA_MEMCPY_KIND_UVM_DTOH', 'Unified Device-to-Host'],
    ['CUDA_MEMCPY_KIND_UVM_DTOD', 'Unified Device-to-Device'],
  ],
  ENUM_CUDA_MEM_KIND: [
    ['CUDA_MEMOPR_MEMORY_KIND_PAGEABLE', 'Pageable'],
    ['CUDA_MEMOPR_MEMORY_KIND_PINNED', 'Pinned'],
    ['CUDA_MEMOPR_MEMORY_KIND_DEVICE', 'Device'],
    ['CUDA_MEMOPR_MEMORY_KIND_ARRAY', 'Array'],
    ['CUDA_MEMOPR_MEMORY_KIND_MANAGED', 'Managed'],
    ['CUDA_MEMOPR_MEMORY_KIND_DEVICE_STATIC', 'Device Static'],
    ['CUDA_MEMOPR_MEMORY_KIND_MANAGED_STATIC', 'Managed Static'],
    ['CUDA_MEMOPR_MEMORY_KIND_UNKNOWN', 'Unknown'],
  ],
};

/**
 * Any ENUM_* table as id → label/name. A missing table gives nsys's documented values where we
 * have them (DOCUMENTED_ENUMS), else empty maps (labels then fall back to ids).
 */
export function readEnum(db: Db, table: string): EnumTable {
  const labels = new Map<number, string>();
  const names = new Map<number, string>();
  if (db.hasTable(table)) {
    const cols = db.tableColumns(table);
    const hasLabel = cols.includes('label');
    for (const r of db.tableRows(table, hasLabel ? ['id', 'name', 'label'] : ['id', 'name'])) {
      const id = r[0] as number;
      names.set(id, String(r[1] ?? ''));
      labels.set(id, String((hasLabel ? r[2] : r[1]) ?? ''));
    }
  } else {
    DOCUMENTED_ENUMS[table]?.forEach(([name, label], id) => {
      names.set(id, name);
      labels.set(id, label);
    });
  }
  return { labels, names };
}

export interface SessionSpan {
  startNs: number;
  stopNs: number;
  durationNs: number;
  utcEpochNs: number | null;
}

export function readSession(db: Db): SessionSpan | null {
  let utcEpochNs: number | null = null;
  if (db.hasTable('TARGET_INFO_SESSION_START_TIME') && db.tableColumns('TARGET_INFO_SESSION_START_TIME').includes('utcEpochNs')) {
    const r = db.tableRows('TARGET_INFO_SESSION_START_TIME', ['utcEpochNs'])[0];
    if (r && typeof r[0] === 'number') utcEpochNs = r[0];
  }
  if (!db.hasTable('ANALYSIS_DETAILS')) return null;
  const cols = db.tableColumns('ANALYSIS_DETAILS');
  if (!cols.includes('startTime') || !cols.includes('stopTime')) return null;
  const r = db.tableRows('ANALYSIS_DETAILS', ['startTime', 'stopTime', 'duration'])[0];
  if (!r) return null;
  return { startNs: Number(r[0]), stopNs: Number(r[1]), durationNs: Number(r[2]), utcEpochNs };
}

export function readProcesses(db: Db): ProcessInfo[] {
  if (!db.hasTable('PROCESSES')) return [];
  return db.tableRows('PROCESSES', ['globalPid', 'pid', 'name']).map((r) => ({
    globalPid: Number(r[0]),
    pid: r[1] === null ? pidOf(Number(r[0])) : Number(r[1]),
    name: r[2] === null ? '' : String(r[2]),
  }));
}

/** ThreadNames(nameId, priority, globalTid) → globalTid → name. */
export function readThreadNames(db: Db, table: StringTable): Map<number, string> {
  const out = new Map<number, string>();
  if (!db.hasTable('ThreadNames')) return out;
  for (const r of db.tableRows('ThreadNames', ['globalTid', 'nameId'])) {
    const id = typeof r[1] === 'number' ? (table.remap ? table.remap.get(r[1]) : r[1]) : undefined;
    out.set(Number(r[0]), id === undefined ? '' : (table.strings[id] ?? ''));
  }
  return out;
}

export function readGpus(db: Db): GpuInfo[] {
  if (!db.hasTable('TARGET_INFO_GPU')) return [];
  // ORDER BY id, as SQL sorts mixed types: NULL, then numbers, then text, then blobs; ties keep rowid order.
  return sortBySqlValue(db.tableRows('TARGET_INFO_GPU', ['id', 'name', 'busLocation', 'totalMemory', 'smCount', 'chipName']), 0).map(
    (r) => ({
      deviceId: Number(r[0]),
      name: String(r[1] ?? `GPU ${r[0]}`),
      busLocation: String(r[2] ?? ''),
      totalMemory: Number(r[3] ?? 0),
      smCount: Number(r[4] ?? 0),
      chipName: String(r[5] ?? ''),
    }),
  );
}

/** SQLite's ORDER BY on one column: NULL < numbers < text (binary) < blobs; stable. */
function sortBySqlValue(rows: SqlValue[][], col: number): SqlValue[][] {
  const rank = (v: SqlValue) => (v === null ? 0 : typeof v === 'number' ? 1 : typeof v === 'string' ? 2 : 3);
  const bytes = (v: SqlValue) => (typeof v === 'string' ? new TextEncoder().encode(v) : (v as Uint8Array));
  const cmpBytes = (a: Uint8Array, b: Uint8Array) => {
    for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  return rows.slice().sort((x, y) => {
    const a = x[col];
    const b = y[col];
    const d = rank(a) - rank(b);
    if (d !== 0 || a === null) return d;
    if (typeof a === 'number') return a - (b as number);
    return cmpBytes(bytes(a), bytes(b));
  });
}
