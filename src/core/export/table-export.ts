import { csvField } from '../stats/format';
import type { StatsReport, StatsReportName } from '../stats/types';
import type { TraceSummary } from '../summary/summary';

/**
 * The viewer's tables as files (the Stats, Summary and Steps panels' CSV and JSON buttons). The
 * CSV quoting is `nsys stats --format csv`'s (src/core/stats/format.ts csvField: Python csv's
 * QUOTE_MINIMAL, plus the leading ' on cells a spreadsheet would run), so a whole-trace stats
 * table saved from the panel is byte for byte what `nsys-viewer stats --format csv` prints.
 * JSON rows are objects keyed by column name; times stay integer ns as the tables hold them.
 */
export interface TableFile {
  fileName: string;
  data: string;
}

type Cell = string | number | boolean | null | undefined;

/** Header line, one line per row, "\n" endings; null/undefined cells are empty, booleans true/false. */
export function tableCsv(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cell = (v: Cell) => (v === null || v === undefined ? '' : csvField(typeof v === 'boolean' ? String(v) : v));
  return [columns, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/**
 * Records (the summary's JSON arrays) as CSV: a column per key, in the first record's order then any
 * key first seen later; nested objects and arrays are written as their JSON text.
 */
export function recordsCsv(records: readonly object[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  const rows = records.map((r) =>
    columns.map((c): Cell => {
      const v: unknown = (r as Record<string, unknown>)[c];
      if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      return JSON.stringify(v);
    }),
  );
  return tableCsv(columns, rows);
}

/** A stats report as JSON: its name, the scope it was computed for, and one object per row. */
export function statsReportJson(report: StatsReport, scope: unknown = null): string {
  const rows = report.rows.map((r) => Object.fromEntries(report.columns.map((c, i) => [c, r[i]])));
  return JSON.stringify({ report: report.name, scope, columns: report.columns, rows }, null, 2) + '\n';
}

/**
 * The trace's file name as a bare, save-safe stem (the characters src/shared/ipc.ts isSaveFileName
 * accepts): "runs/streams.nsys-rep" → "streams".
 */
export function fileStem(sourceName: string): string {
  const stem = (sourceName.split(/[\\/]/).pop() ?? '')
    .replace(/\.(sqlite|nsys-rep|qdrep)$/i, '')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 80);
  return stem || 'trace';
}

/**
 * `<stem>_<report>.csv`, the name `nsys stats --format csv --output .` gives the same report, with
 * the scope appended when it is not the whole trace ("_8440-8540ms", "_nvtx12").
 */
export function statsFileName(sourceName: string, report: StatsReportName, scopeTag: string, ext: 'csv' | 'json'): string {
  return `${fileStem(sourceName)}_${report}${scopeTag ? `_${scopeTag}` : ''}.${ext}`;
}

/** The summary's tables, each as the records `summary --json` holds (so CSV and JSON name the same fields). */
export function summaryTables(s: TraceSummary): { table: string; records: object[] }[] {
  return [
    { table: 'phases', records: s.phases },
    { table: 'top_kernels', records: s.gpu.kernels.top },
    { table: 'memory_ops', records: s.gpu.memcpy.by_kind },
    { table: 'wait_calls', records: s.cpu.wait_calls.top },
    {
      table: 'idle_gaps',
      records: s.gpu.idle_gaps.devices.flatMap((d) => d.largest.map((g) => ({ device_id: d.device_id, ...g }))),
    },
    { table: 'checks', records: s.checks },
  ];
}
