import { defuseFormula } from '../util/csv-formula';
import type { StatsReport } from './types';

/**
 * One CSV field as Python's csv module (QUOTE_MINIMAL) writes it, which is what
 * `nsys stats --format csv` uses: quoted when it holds a comma, a double quote or a line break,
 * with inner quotes doubled. Kernel names such as "void f<(int)4, float>(int, T2)" get quoted.
 */
export function csvField(value: string | number): string {
  // Unlike nsys, a name that a spreadsheet would run as a formula gets a leading ' (csv-formula.ts).
  const s = typeof value === 'number' ? String(value) : defuseFormula(value);
  const defused = typeof value === 'string' && s !== value;
  return defused || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The report as `nsys stats --format csv` prints it: header line, one line per row, "\n" endings. */
export function toCsv(report: StatsReport): string {
  const lines = [report.columns, ...report.rows].map((r) => r.map(csvField).join(','));
  return lines.join('\n') + '\n';
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** 1234567.5 → "1,234,567.5", like nsys's column (terminal) format. */
function groupThousands(s: string): string {
  const neg = s.startsWith('-');
  const [int, frac] = (neg ? s.slice(1) : s).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + grouped + (frac !== undefined ? `.${frac}` : '');
}

/**
 * An aligned text table for a terminal, in the manner of nsys's default "column" format: numbers
 * right-aligned with thousands separators, text left-aligned, a dashed rule under the header.
 * Columns whose cells are all numbers (or empty) count as numeric; the last column is not padded.
 */
export function toTable(report: StatsReport): string {
  const numeric = report.columns.map(
    (_, c) => report.rows.length > 0 && report.rows.every((r) => typeof r[c] === 'number' || r[c] === '' || NUMERIC.test(String(r[c]))),
  );
  const cells = report.rows.map((r) => r.map((v, c) => (numeric[c] && v !== '' ? groupThousands(String(v)) : String(v))));
  const widths = report.columns.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c].length)));
  const last = report.columns.length - 1;
  const line = (r: string[], isHeader: boolean) =>
    r
      .map((v, c) => {
        if (c === last && !numeric[c]) return v;
        return numeric[c] && !isHeader ? v.padStart(widths[c]) : v.padEnd(widths[c]);
      })
      .join('  ')
      .trimEnd();
  const out = [
    line(report.columns, true),
    widths.map((w, c) => '-'.repeat(c === last && !numeric[c] ? Math.max(report.columns[c].length, Math.min(w, 40)) : w)).join('  '),
  ];
  for (const r of cells) out.push(line(r, false));
  return out.join('\n') + '\n';
}
