import { useMemo, useState, type ReactNode } from 'react';

/**
 * A table whose header sorts on click (again: reverse). A column sorts as numbers when every
 * non-empty cell reads as a number — nsys stats prints many as strings ("3725117.6") — else as text,
 * so "10" sorts after "9" and names sort alphabetically. Rows past `maxRows` are not rendered (the
 * header says how many there are); sorting still covers all of them.
 */
export type Cell = string | number;

export function isNumericColumn(rows: readonly (readonly Cell[])[], col: number): boolean {
  let any = false;
  for (const r of rows) {
    const v = r[col];
    if (v === '' || v === undefined || v === null) continue;
    if (typeof v === 'number' ? !Number.isFinite(v) : !/^\s*-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v)) return false;
    any = true;
  }
  return any;
}

/** Row order for a sort on `col`: a permutation of row indices (stable: ties keep their order). */
export function sortOrder(rows: readonly (readonly Cell[])[], col: number, desc: boolean): number[] {
  const order = rows.map((_, i) => i);
  if (col < 0) return order;
  const numeric = isNumericColumn(rows, col);
  const dir = desc ? -1 : 1;
  const collator = new Intl.Collator(undefined, { sensitivity: 'base' });
  order.sort((a, b) => {
    const x = rows[a][col];
    const y = rows[b][col];
    let c: number;
    if (numeric) {
      // Empty cells last whatever the direction.
      const xe = x === '' || x === undefined;
      const ye = y === '' || y === undefined;
      if (xe || ye) return xe === ye ? a - b : xe ? 1 : -1;
      c = Number(x) - Number(y);
    } else c = collator.compare(String(x ?? ''), String(y ?? ''));
    return c !== 0 ? c * dir : a - b;
  });
  return order;
}

export interface SortableTableProps {
  columns: string[];
  rows: Cell[][];
  /** Column index → cell renderer (default: the value). */
  render?: Record<number, (v: Cell, row: Cell[]) => ReactNode>;
  maxRows?: number;
  testId?: string;
  onRowClick?: (row: Cell[], index: number) => void;
  /** Initial sort: none (the order given, e.g. nsys's own). */
  initialSort?: { col: number; desc: boolean };
}

export function SortableTable({ columns, rows, render, maxRows = 1000, testId, onRowClick, initialSort }: SortableTableProps) {
  const [sort, setSort] = useState<{ col: number; desc: boolean }>(initialSort ?? { col: -1, desc: false });
  const numeric = useMemo(() => columns.map((_, c) => isNumericColumn(rows, c)), [columns, rows]);
  const order = useMemo(() => sortOrder(rows, sort.col < columns.length ? sort.col : -1, sort.desc), [rows, sort, columns.length]);
  const shown = order.slice(0, maxRows);
  return (
    <div>
      {rows.length > maxRows && (
        <div className="hint">
          Showing the first {maxRows} of {rows.length} rows in this order.
        </div>
      )}
      <table className="grid" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((h, c) => (
              <th
                key={c}
                onClick={() => setSort((s) => (s.col === c ? { col: c, desc: !s.desc } : { col: c, desc: numeric[c] }))}
                style={{ cursor: 'pointer', textAlign: numeric[c] ? 'right' : 'left' }}
                title={`Sort by ${h}${numeric[c] ? ' (numbers)' : ' (text)'}`}
                data-sort={sort.col === c ? (sort.desc ? 'desc' : 'asc') : undefined}
              >
                {h}
                {sort.col === c ? (sort.desc ? ' ▼' : ' ▲') : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((i) => {
            const row = rows[i];
            return (
              <tr
                key={i}
                onClick={onRowClick ? () => onRowClick(row, i) : undefined}
                style={onRowClick ? { cursor: 'pointer' } : undefined}
              >
                {row.map((v, c) => (
                  <td key={c} className={numeric[c] ? 'num' : 'name'} title={typeof v === 'string' && v.length > 40 ? v : undefined}>
                    {render?.[c] ? render[c](v, row) : v}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
