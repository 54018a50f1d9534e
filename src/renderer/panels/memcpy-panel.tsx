import { useEffect, useMemo, useState } from 'react';
import type { MemOpsView } from '../../shared/bridge';
import { OP_MEMSET } from '../../core/analysis/memcpy';
import { formatBytes, formatDurationNs } from '../../core/util/format';
import { useViewer, useViewerState } from '../ui/viewer-context';
import { GROUP_COLOURS, MemcpyPlots } from './memcpy-plot';

/**
 * Memcpy panel: every memcpy/memset of the selected range (or the whole trace) with the CUDA API
 * call that issued it — matched by (pid, correlationId) in src/core/analysis/memcpy.ts — its launch
 * latency, DMA time, GB/s, sync wait, end-to-end time and the kernels around it on its stream. On top,
 * groups by direction × memory kind (labels from the file's own enums): pinned vs pageable at a glance.
 * The table is columnar and windowed (only visible rows are rendered), so 10k+ rows scroll smoothly.
 */

const ROW_PX = 20;
const VISIBLE_ROWS = 40;

type SortKey = 'start' | 'bytes' | 'dma' | 'gbps' | 'launch' | 'sync' | 'e2e';
const SORT_COLUMNS: Record<SortKey, (v: MemOpsView, k: number) => number> = {
  start: (v, k) => v.table.gpuStartNs[k],
  bytes: (v, k) => v.table.bytes[k],
  dma: (v, k) => v.table.dmaNs[k],
  gbps: (v, k) => v.table.gbps[k],
  // Ops without an API call (NaN) sort last either way.
  launch: (v, k) => v.table.launchNs[k],
  sync: (v, k) => v.table.syncWaitNs[k],
  e2e: (v, k) => v.table.e2eNs[k],
};

const dur = (ns: number) => (Number.isFinite(ns) ? formatDurationNs(ns) : '—');

export function MemcpyPanel() {
  const { bridge, traceId, info, selectEvent, revealTime } = useViewer();
  const { range } = useViewerState();
  const [useRange, setUseRange] = useState(true);
  const [view, setView] = useState<MemOpsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'start', desc: false });
  const [group, setGroup] = useState<string | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [current, setCurrent] = useState(-1);
  const scope = useRange && range ? range : null;
  const t0 = scope?.t0;
  const t1 = scope?.t1;

  useEffect(() => {
    let live = true;
    setError(null);
    const t = setTimeout(() => {
      void bridge.getMemOps(traceId, t0 !== undefined && t1 !== undefined ? { t0, t1 } : null).then((r) => {
        if (!live) return;
        if (r.ok) {
          setView(r.value);
          setScrollTop(0);
        } else setError(r.error);
      });
    }, 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [bridge, traceId, t0, t1]);

  const groupKey = (v: MemOpsView, k: number) =>
    `${v.table.labels[v.table.directionLabel[k]]}|${v.table.labels[v.table.srcLabel[k]]}|${v.table.labels[v.table.dstLabel[k]]}`;

  // Row order: filtered by the chosen group, sorted by the chosen column (typed array, no row objects).
  const order = useMemo(() => {
    if (!view) return new Int32Array(0);
    const rows: number[] = [];
    for (let k = 0; k < view.table.count; k++) if (!group || groupKey(view, k) === group) rows.push(k);
    const val = SORT_COLUMNS[sort.key];
    const sign = sort.desc ? -1 : 1;
    rows.sort((a, b) => {
      const x = val(view, a);
      const y = val(view, b);
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? a - b : 1) : -1;
      return sign * (x - y) || a - b;
    });
    return Int32Array.from(rows);
  }, [view, sort, group]);

  if (error) return <div className="error">{error}</div>;
  if (!view) return <div className="loading">Loading memory operations…</div>;
  if (view.totalInTrace === 0)
    return (
      <div className="empty" data-testid="memcpy-panel">
        This trace has no memcpy or memset activity.
      </div>
    );

  const t = view.table;
  // Colour index of each group, in the group table's order (legend = the ■ in that table).
  const groupIndex = new Map(view.aggregates.map((g, gi) => [`${g.direction}|${g.srcKind}|${g.dstKind}`, gi]));
  const first = Math.max(0, Math.floor(scrollTop / ROW_PX) - 5);
  const last = Math.min(order.length, first + VISIBLE_ROWS + 10);
  const header = (key: SortKey, label: string) => (
    <th
      onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== 'start' }))}
      style={{ cursor: 'pointer' }}
      data-sort={key}
    >
      {label}
      {sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}
    </th>
  );
  const pick = (k: number) => {
    setCurrent(k);
    const lane = t.op[k] === OP_MEMSET ? 'memset' : 'memcpy';
    selectEvent(lane, t.index[k]);
    const start = Number.isFinite(t.cpuStartNs[k]) ? Math.min(t.cpuStartNs[k], t.gpuStartNs[k]) : t.gpuStartNs[k];
    const end = Number.isFinite(t.cpuEndNs[k]) ? Math.max(t.cpuEndNs[k], t.gpuEndNs[k]) : t.gpuEndNs[k];
    const pad = Math.max(1000, (end - start) * 0.5);
    revealTime(Math.max(info.sessionStartNs, start - pad), Math.min(info.sessionEndNs, end + pad));
  };

  return (
    <div className="memcpy-panel" data-testid="memcpy-panel">
      <div className="range-head">
        {t.count} of {view.totalInTrace} memory ops {scope ? `in the range (${formatDurationNs(scope.t1 - scope.t0)})` : 'in the trace'}{' '}
        <label>
          <input type="checkbox" checked={useRange} onChange={(e) => setUseRange(e.target.checked)} /> only the selected range
          {!range && useRange ? ' (shift-drag on the timeline)' : ''}
        </label>
        {group && (
          <>
            {' '}
            · <button onClick={() => setGroup(null)}>Show all kinds</button>
          </>
        )}
      </div>
      <table className="grid" data-testid="memcpy-groups">
        <thead>
          <tr>
            <th>Direction</th>
            <th>Source → destination</th>
            <th>Count</th>
            <th>Bytes</th>
            <th>GPU time</th>
            <th>GB/s</th>
            <th>Mean launch</th>
            <th>Sync wait</th>
          </tr>
        </thead>
        <tbody>
          {view.aggregates.map((g, gi) => {
            const key = `${g.direction}|${g.srcKind}|${g.dstKind}`;
            return (
              <tr
                key={key}
                className={group === key ? 'current' : ''}
                onClick={() => setGroup(group === key ? null : key)}
                title="Show only these ops"
              >
                <td>
                  {g.direction}{' '}
                  <span style={{ color: GROUP_COLOURS[gi % GROUP_COLOURS.length] }} title="plot colour">
                    ■
                  </span>
                </td>
                <td>
                  {g.srcKind} → {g.dstKind}
                </td>
                <td className="num">{g.count}</td>
                <td className="num">{formatBytes(g.bytes)}</td>
                <td className="num">{formatDurationNs(g.totalDmaNs)}</td>
                <td className="num">{g.gbps.toFixed(2)}</td>
                <td className="num">{g.apiCount ? formatDurationNs(g.meanLaunchNs) : '—'}</td>
                <td className="num">{g.apiCount ? formatDurationNs(g.totalSyncWaitNs) : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <MemcpyPlots
        view={view}
        rows={order}
        groupOf={(k) => groupIndex.get(groupKey(view, k)) ?? 0}
        current={current}
        onPick={pick}
        t0={scope ? scope.t0 : info.sessionStartNs}
        t1={scope ? scope.t1 : info.sessionEndNs}
      />
      <div
        style={{ maxHeight: VISIBLE_ROWS * ROW_PX, overflowY: 'auto', marginTop: 6 }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      >
        <table className="grid" data-testid="memcpy-rows">
          <thead>
            <tr>
              {header('start', 'GPU start')}
              <th>Direction</th>
              <th>Src → dst</th>
              {header('bytes', 'Size')}
              {header('dma', 'DMA')}
              {header('gbps', 'GB/s')}
              <th>API call</th>
              {header('launch', 'Launch')}
              {header('sync', 'Sync wait')}
              {header('e2e', 'E2E')}
              <th>Stream</th>
              <th>Kernel before</th>
              <th>Kernel after</th>
            </tr>
          </thead>
          <tbody>
            {first > 0 && <tr style={{ height: first * ROW_PX }} />}
            {Array.from(order.subarray(first, last), (k) => {
              const prev = view.prevKernelNameId[k];
              const next = view.nextKernelNameId[k];
              return (
                <tr key={k} className={k === current ? 'current' : ''} onClick={() => pick(k)} style={{ height: ROW_PX }} data-row={k}>
                  <td className="num">{formatDurationNs(t.gpuStartNs[k] - info.sessionStartNs)}</td>
                  <td>{t.labels[t.directionLabel[k]]}</td>
                  <td>
                    {t.labels[t.srcLabel[k]]} → {t.labels[t.dstLabel[k]]}
                  </td>
                  <td className="num">{formatBytes(t.bytes[k])}</td>
                  <td className="num">{formatDurationNs(t.dmaNs[k])}</td>
                  <td className="num">{t.gbps[k].toFixed(2)}</td>
                  <td>{t.apiNameId[k] >= 0 ? view.strings[t.apiNameId[k]] : '—'}</td>
                  <td className="num">{dur(t.launchNs[k])}</td>
                  <td className="num">{dur(t.syncWaitNs[k])}</td>
                  <td className="num">{dur(t.e2eNs[k])}</td>
                  <td className="num">{t.streamId[k]}</td>
                  <td className="name" title={prev >= 0 ? view.strings[prev] : ''}>
                    {prev >= 0 ? view.strings[prev] : '—'}
                  </td>
                  <td className="name" title={next >= 0 ? view.strings[next] : ''}>
                    {next >= 0 ? view.strings[next] : '—'}
                  </td>
                </tr>
              );
            })}
            {last < order.length && <tr style={{ height: (order.length - last) * ROW_PX }} />}
          </tbody>
        </table>
      </div>
    </div>
  );
}
