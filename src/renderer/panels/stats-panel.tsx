import { useEffect, useState } from 'react';
import { statsFileName, statsReportJson } from '../../core/export/table-export';
import { toCsv } from '../../core/stats/format';
import { STATS_REPORT_TITLES } from '../../core/stats/run-stats';
import { STATS_REPORT_NAMES, type StatsReportName } from '../../core/stats/types';
import { formatDurationNs } from '../../core/util/format';
import type { StatsReport, StatsScope } from '../../shared/bridge';
import { useViewer, useViewerState } from '../ui/viewer-context';
import { SortableTable } from './sortable-table';
import { TableExportButtons } from './table-export-buttons';

/**
 * The seven `nsys stats` reports (src/core/stats: same columns, rows and rounding as NVIDIA's CSV)
 * as sortable tables, for one of three scopes:
 *  - whole trace;
 *  - selected range: events overlapping the shift-drag range, counted whole (nsys --filter-time);
 *  - selected NVTX range: the work the range's thread did inside it — its CUDA API / OS runtime /
 *    NVTX calls that start inside the range, and the GPU work those CUDA calls launched (matched by
 *    correlation id), wherever that work ran. See src/core/service/scoped-stats.ts.
 */
type ScopeKind = 'trace' | 'range' | 'nvtx';

/** ns → ms text for a file name, exact to the ns: 8440000000 → "8440", 1500 → "0.0015". */
const nsText = (ns: number) => String(Number((ns / 1e6).toFixed(6)));

export function StatsPanel() {
  const { bridge, traceId, info } = useViewer();
  const { range, selected } = useViewerState();
  const [report, setReport] = useState<StatsReportName>('cuda_gpu_kern_sum');
  const [kind, setKind] = useState<ScopeKind>('trace');
  const [result, setResult] = useState<{ key: string; report: StatsReport } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const nvtx = selected?.lane === 'nvtx' ? selected : null;
  const rt0 = range?.t0;
  const rt1 = range?.t1;
  const nvtxIndex = nvtx?.index;
  let scope: StatsScope | undefined;
  let unavailable: string | null = null;
  if (kind === 'range') {
    if (rt0 === undefined || rt1 === undefined) unavailable = 'Shift-drag on the timeline to select a range.';
    else scope = { t0Ns: rt0, t1Ns: rt1 };
  } else if (kind === 'nvtx') {
    if (nvtxIndex === undefined) unavailable = 'Click an NVTX range on the timeline to select it.';
    else scope = { nvtxRange: nvtxIndex };
  }
  const key = `${report}|${JSON.stringify(scope ?? null)}`;

  useEffect(() => {
    if (unavailable) return;
    let live = true;
    setError(null);
    const t = setTimeout(() => {
      void bridge.getStatsReport(traceId, report, scope).then((r) => {
        if (!live) return;
        if (r.ok) setResult({ key, report: r.value });
        else setError(r.error);
      });
    }, 100);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // `key` stands for report + scope (a new scope object each render would refetch forever).
    // eslint-disable-next-line react-hooks/exhaustive-deps -- report and scope are in `key`
  }, [bridge, traceId, key, unavailable]);

  const nvtxDetails = nvtx?.details;
  const scopeText =
    kind === 'trace'
      ? 'Whole trace.'
      : kind === 'range'
        ? rt0 !== undefined && rt1 !== undefined
          ? `Events overlapping the selected range (${formatDurationNs(rt1 - rt0)}), counted whole, as nsys stats --filter-time.`
          : ''
        : nvtxDetails
          ? `NVTX range “${nvtxDetails.name}” (${formatDurationNs(nvtxDetails.endNs - nvtxDetails.startNs)}): its thread's CUDA / OS calls and NVTX ranges starting inside it, and the GPU work those CUDA calls launched, wherever it ran.`
          : '';
  const current = result && result.key === key ? result.report : null;
  // Files are named as `nsys stats --output .` names the report, plus the scope when it is not the whole trace.
  const scopeTag =
    scope?.nvtxRange !== undefined
      ? `nvtx${scope.nvtxRange}`
      : scope?.t0Ns !== undefined && scope.t1Ns !== undefined
        ? `${nsText(scope.t0Ns)}-${nsText(scope.t1Ns)}ms`
        : '';

  return (
    <div className="stats-panel" data-testid="stats-panel">
      <div className="range-head" style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
        <select value={report} onChange={(e) => setReport(e.target.value as StatsReportName)} data-testid="stats-report">
          {STATS_REPORT_NAMES.map((n) => (
            <option key={n} value={n}>
              {STATS_REPORT_TITLES[n]} ({n})
            </option>
          ))}
        </select>
        <span>Scope:</span>
        {(['trace', 'range', 'nvtx'] as const).map((k) => (
          <label key={k} className="check">
            <input
              type="radio"
              name="stats-scope"
              value={k}
              checked={kind === k}
              onChange={() => setKind(k)}
              data-testid={`stats-scope-${k}`}
            />
            {k === 'trace' ? 'whole trace' : k === 'range' ? 'selected range' : 'selected NVTX range'}
          </label>
        ))}
        {!unavailable && !error && current && current.rows.length > 0 && (
          <TableExportButtons
            testId="stats-export"
            make={(format) => ({
              fileName: statsFileName(info.name, current.name, scopeTag, format),
              // The CSV is `nsys-viewer stats --format csv` (and so nsys stats') text for this report and scope.
              data: format === 'csv' ? toCsv(current) : statsReportJson(current, scope ?? null),
            })}
          />
        )}
      </div>
      <div className="hint" data-testid="stats-scope-text">
        {unavailable ?? scopeText}
      </div>
      {!unavailable && error && <div className="error">{error}</div>}
      {!unavailable && !error && !current && <div className="loading">Computing…</div>}
      {!unavailable &&
        !error &&
        current &&
        (current.rows.length === 0 ? (
          <div className="empty" data-testid="stats-empty">
            No {STATS_REPORT_TITLES[report]} data in this scope.
          </div>
        ) : (
          <SortableTable key={key} columns={current.columns} rows={current.rows} testId="stats-table" />
        ))}
    </div>
  );
}
