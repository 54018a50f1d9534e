import { useEffect, useState } from 'react';
import type { AggregateRow } from '../../shared/bridge';
import { formatDurationNs } from '../../core/util/format';
import { useViewer, useViewerSelector } from './viewer-context';

/** Aggregate table of the shift-drag range: one row per (lane, name) over the events overlapping it. */
export function RangePanel() {
  const { bridge, traceId, controller } = useViewer();
  const range = useViewerSelector((s) => s.range);
  const [rows, setRows] = useState<AggregateRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!range) return setRows(null);
    let live = true;
    const t = setTimeout(() => {
      void bridge.aggregate(traceId, range.t0, range.t1).then((r) => {
        if (!live) return;
        if (r.ok) {
          setRows(r.value);
          setError(null);
        } else setError(r.error);
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
