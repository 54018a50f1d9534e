import { useEffect, useState } from 'react';
import type { AggregateRow, RangeBreakdown } from '../../shared/bridge';
import { formatDurationNs } from '../../core/util/format';
import { useViewer, useViewerSelector } from './viewer-context';

/** Aggregate table of the shift-drag range: one row per (lane, name) over the events overlapping it. */
export function RangePanel() {
  const { bridge, traceId, controller } = useViewer();
  const range = useViewerSelector((s) => s.range);
  const [rows, setRows] = useState<AggregateRow[] | null>(null);
  const [breakdown, setBreakdown] = useState<RangeBreakdown | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!range) {
      setBreakdown(null);
      return setRows(null);
    }
    let live = true;
    const t = setTimeout(() => {
      void bridge.aggregate(traceId, range.t0, range.t1).then((r) => {
        if (!live) return;
        if (r.ok) {
          setRows(r.value);
          setError(null);
        } else setError(r.error);
      });
      void bridge.rangeBreakdown(traceId, range.t0, range.t1).then((r) => {
        if (!live) return;
        if (r.ok) setBreakdown(r.value);
        else setError(r.error);
      });
    }, 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [range, bridge, traceId]);

  if (!range) return <div className="empty">Shift-drag on the timeline to select a range.</div>;
  if (error) return <div className="error">{error}</div>;
  return (
    <div className="range" data-testid="range-table">
      <div className="range-head">
        Range {formatDurationNs(range.t1 - range.t0)} · {rows ? rows.length : '…'} names{' '}
        <button onClick={() => controller.zoomToSelection()}>Zoom to range (Z)</button>{' '}
        <button onClick={() => controller.setRange(null)}>Clear</button>
      </div>
      {breakdown && <RangeBreakdownView b={breakdown} spanNs={range.t1 - range.t0} />}
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Lane</th>
            <th>Count</th>
            <th title="Time inside the range (events clipped to it)">In range</th>
            <th title="Full durations of the overlapping events">Total</th>
            <th>Avg</th>
            <th>Min</th>
            <th>Max</th>
          </tr>
        </thead>
        <tbody>
          {(rows ?? []).slice(0, 500).map((r) => (
            <tr key={`${r.lane}:${r.name}`}>
              <td className="name" title={r.name}>
                {r.name}
              </td>
              <td>{r.lane}</td>
              <td className="num">{r.count}</td>
              <td className="num">{formatDurationNs(r.inRangeNs)}</td>
              <td className="num">{formatDurationNs(r.totalNs)}</td>
              <td className="num">{formatDurationNs(r.avgNs)}</td>
              <td className="num">{formatDurationNs(r.minNs)}</td>
              <td className="num">{formatDurationNs(r.maxNs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const GROUP_LABEL: Record<RangeBreakdown['categories'][number]['group'], string> = {
  kernel: 'Kernels',
  graph: 'Graph replays',
  memcpy: 'Copies',
  memset: 'Memsets',
  'cuda-api': 'CUDA API calls',
  nvtx: 'NVTX ranges',
  osrt: 'OS runtime calls',
};

/**
 * The range's GPU busy time per GPU, process and stream (union of kernels, copies, memsets and graph
 * replays, clipped to the range: core/query/gpu-busy.ts) and its events per category.
 */
function RangeBreakdownView({ b, spanNs }: { b: RangeBreakdown; spanNs: number }) {
  const pct = (f: number) => `${(f * 100).toFixed(1)}%`;
  const rowName = (r: RangeBreakdown['gpu'][number]) =>
    r.streamId !== undefined ? `  stream ${r.streamId}` : r.pid !== undefined ? ` process ${r.pid}` : `GPU ${r.deviceId}`;
  return (
    <div className="range-breakdown" data-testid="range-breakdown">
      <table className="grid" data-testid="range-gpu-busy">
        <thead>
          <tr>
            <th title="Union of kernels, copies, memsets and graph replays, clipped to the range">GPU busy</th>
            <th>Busy</th>
            <th>% of {formatDurationNs(spanNs)}</th>
          </tr>
        </thead>
        <tbody>
          {b.gpu.map((r) => (
            <tr key={r.key} data-busy-key={r.key}>
              <td className="name" style={{ whiteSpace: 'pre' }}>
                {rowName(r)}
              </td>
              <td className="num">{formatDurationNs(r.busyNs)}</td>
              <td className="num">{pct(r.fraction)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="grid" data-testid="range-categories">
        <thead>
          <tr>
            <th>Events</th>
            <th>Category</th>
            <th>Count</th>
            <th title="Their time clipped to the range, summed (overlapping events each count)">In range</th>
          </tr>
        </thead>
        <tbody>
          {b.categories.map((c) => (
            <tr key={`${c.group}:${c.category}`}>
              <td>{GROUP_LABEL[c.group]}</td>
              <td className="name">{c.category === c.group ? '' : c.category}</td>
              <td className="num">{c.count.toLocaleString('en-US')}</td>
              <td className="num">{formatDurationNs(c.inRangeNs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
