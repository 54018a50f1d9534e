import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fileStem, recordsCsv } from '../../core/export/table-export';
import { stepsCsv, stepsJson } from '../../core/steps/steps-export';
import { formatDurationNs } from '../../core/util/format';
import type { StepRecord, StepsView } from '../../shared/bridge';
import { useViewer } from '../ui/viewer-context';
import { SortableTable } from './sortable-table';
import { TableExportButtons } from './table-export-buttons';

/**
 * `nsys-viewer steps` in the viewer (src/core/steps): the run split into iterations (decode steps /
 * forward passes), the verdict with its evidence per step kind and phase, NCCL arrival skew across
 * ranks, step time over the run and its histogram (uPlot), and one row per step. Clicking a row or
 * a plotted point shows that step on the timeline. The patterns override the automatic choice.
 */
const ms = (ns: number) => (ns / 1e6).toFixed(3);
const us = (ns: number | null) => (ns === null ? '' : (ns / 1e3).toFixed(1));
const PID_COLOURS = ['#4c8bf5', '#f08c2a', '#3fb68b', '#b36ae2', '#e0c341', '#e5533d'];

/** A uPlot chart in a div, rebuilt when `data` changes (the latest `make` is used, not kept alive). */
function usePlot<T>(make: (el: HTMLDivElement) => uPlot | null, data: T) {
  const ref = useRef<HTMLDivElement>(null);
  const makeRef = useRef(make);
  makeRef.current = make;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const u = makeRef.current(el);
    return () => u?.destroy();
  }, [data]);
  return ref;
}

/** Step wall time (and GPU busy) against the step's start, one series per process. */
function timePlot(el: HTMLDivElement, steps: StepRecord[], sessionStartNs: number, onPick: (s: StepRecord) => void): uPlot {
  const order = steps.map((_, k) => k).sort((a, b) => steps[a].startNs - steps[b].startNs);
  const pids = [...new Set(steps.map((s) => s.pid))];
  const xs = order.map((k) => (steps[k].startNs - sessionStartNs) / 1e6);
  const series: (number | null)[][] = [];
  for (const pid of pids) {
    series.push(order.map((k) => (steps[k].pid === pid ? steps[k].wallNs / 1e6 : null)));
    series.push(order.map((k) => (steps[k].pid === pid ? steps[k].gpuBusyNs / 1e6 : null)));
  }
  const opts: uPlot.Options = {
    width: 420,
    height: 180,
    legend: { show: true, live: false },
    scales: { x: { time: false } },
    axes: [
      { stroke: '#c9d1d9', label: 'step start (ms)', grid: { stroke: '#262a32' } },
      { stroke: '#c9d1d9', label: 'ms', grid: { stroke: '#262a32' } },
    ],
    series: [
      {},
      ...pids.flatMap((pid, p) => [
        {
          label: pids.length > 1 ? `wall pid ${pid}` : 'wall',
          stroke: PID_COLOURS[p % PID_COLOURS.length],
          points: { show: true, size: 4 },
          spanGaps: true,
        },
        {
          label: pids.length > 1 ? `GPU busy pid ${pid}` : 'GPU busy',
          stroke: PID_COLOURS[p % PID_COLOURS.length],
          dash: [4, 3],
          width: 1,
          spanGaps: true,
        },
      ]),
    ],
    cursor: { drag: { x: false, y: false } },
  };
  const u = new uPlot(opts, [xs, ...series] as uPlot.AlignedData, el);
  u.over.addEventListener('click', () => {
    const idx = u.cursor.idx;
    if (idx !== null && idx !== undefined) onPick(steps[order[idx]]);
  });
  el.dataset.points = String(xs.length);
  return u;
}

/** Histogram of step wall times (bars), 30 bins over [min, max]. */
function histPlot(el: HTMLDivElement, steps: StepRecord[]): uPlot {
  const walls = steps.map((s) => s.wallNs / 1e6);
  const lo = Math.min(...walls);
  const hi = Math.max(...walls);
  const bins = Math.min(30, Math.max(1, steps.length));
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const w of walls) counts[Math.min(bins - 1, Math.floor((w - lo) / width))]++;
  const xs = counts.map((_, b) => lo + (b + 0.5) * width);
  const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.9, Infinity] }) : undefined;
  const opts: uPlot.Options = {
    width: 320,
    height: 180,
    legend: { show: false },
    scales: { x: { time: false, range: [lo - width, hi + width] } },
    axes: [
      { stroke: '#c9d1d9', label: 'step wall time (ms)', grid: { stroke: '#262a32' } },
      { stroke: '#c9d1d9', label: 'steps', grid: { stroke: '#262a32' } },
    ],
    series: [{}, { label: 'steps', stroke: '#4c8bf5', fill: 'rgba(76,139,245,0.5)', paths: bars, points: { show: false } }],
  };
  el.dataset.bins = counts.join(',');
  return new uPlot(opts, [xs, counts], el);
}

export function StepsPanel() {
  const { bridge, traceId, info, revealTime } = useViewer();
  const [nvtxRe, setNvtxRe] = useState('');
  const [kernelRe, setKernelRe] = useState('');
  const [applied, setApplied] = useState<{ stepNvtx?: string; stepKernel?: string }>({});
  const [view, setView] = useState<StepsView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setView(null);
    void bridge.getSteps(traceId, applied).then((r) => {
      if (!live) return;
      if (r.ok) {
        setView(r.value);
        setError(null);
      } else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [bridge, traceId, applied]);

  const reveal = (s: StepRecord) => revealTime(s.startNs, s.endNs);
  const steps = useMemo(() => view?.steps ?? [], [view]);
  const timeRef = usePlot((el) => (steps.length ? timePlot(el, steps, info.sessionStartNs, reveal) : null), view);
  const histRef = usePlot((el) => (steps.length ? histPlot(el, steps) : null), view);
  const rows = useMemo(
    () =>
      steps.map((s) => [
        s.pid,
        s.index,
        s.kind,
        ms(s.startNs - info.sessionStartNs),
        ms(s.wallNs),
        ms(s.gpuBusyNs),
        ms(s.gpuIdleNs),
        s.kernels,
        ms(s.cudaApiNs),
        ms(s.syncWaitNs),
        ms(s.ncclNs),
        us(s.launchLatencyP50Ns),
        us(s.launchLatencyP99Ns),
        s.name,
      ]),
    [steps, info.sessionStartNs],
  );

  const form = (
    <form
      className="steps-form"
      onSubmit={(e) => {
        e.preventDefault();
        setApplied({ ...(nvtxRe ? { stepNvtx: nvtxRe } : {}), ...(kernelRe ? { stepKernel: kernelRe } : {}) });
      }}
    >
      <label>
        Step NVTX{' '}
        <input value={nvtxRe} onChange={(e) => setNvtxRe(e.target.value)} placeholder="regex, e.g. ^decode_step" data-testid="steps-nvtx" />
      </label>{' '}
      <label>
        or step kernel{' '}
        <input
          value={kernelRe}
          onChange={(e) => setKernelRe(e.target.value)}
          placeholder="regex, e.g. lm_head|nvjet"
          data-testid="steps-kernel"
        />
      </label>{' '}
      <button type="submit">Apply</button>
    </form>
  );
  if (error)
    return (
      <div>
        {form}
        <div className="error" data-testid="steps-error">
          {error}
        </div>
      </div>
    );
  if (!view)
    return (
      <div>
        {form}
        <div className="loading">Finding steps…</div>
      </div>
    );
  const sm = view.summary;
  const a = view.analysis;
  const worst = sm.worstStep >= 0 ? steps[sm.worstStep] : null;
  return (
    <div className="steps-panel" data-testid="steps-panel">
      {form}
      <div data-testid="steps-summary">
        <b>{sm.count} steps</b> from {view.description}
        {sm.count > 0 && (
          <>
            {' '}
            · median {formatDurationNs(sm.wallMedianNs)}, p90 {formatDurationNs(sm.wallP90Ns)}, p99 {formatDurationNs(sm.wallP99Ns)}
            {sm.timePerTokenNs !== null && <> · per generated token {formatDurationNs(sm.timePerTokenNs)}</>} · GPU busy{' '}
            {(sm.gpuBusyFraction * 100).toFixed(1)}% · <b data-testid="steps-verdict">{a.verdict}</b>
            {worst && (
              <>
                {' '}
                · worst:{' '}
                <a
                  href="#"
                  onClick={(e) => {
                    e.preventDefault();
                    reveal(worst);
                  }}
                >
                  pid {worst.pid} #{worst.index} {formatDurationNs(worst.wallNs)}
                </a>
              </>
            )}
          </>
        )}
      </div>
      {sm.count === 0 && (
        <div className="empty">
          No steps found: give an NVTX pattern (one range per iteration) or a kernel that runs once per iteration.
        </div>
      )}
      <ul data-testid="steps-evidence" style={{ margin: '4px 0', paddingLeft: 18 }}>
        {[...a.idle.by_step_kind, ...a.idle.by_phase].map((b) => (
          <li key={b.scope} data-scope={b.scope}>
            {b.evidence}
            {b.longest_gaps.length > 0 && (
              <span className="hint">
                {' '}
                · longest gaps:{' '}
                {b.longest_gaps.slice(0, 5).map((g, k) => (
                  <a
                    key={k}
                    href="#"
                    title={`pid ${g.pid}, mostly ${g.cause}`}
                    data-testid="steps-gap"
                    onClick={(e) => {
                      e.preventDefault();
                      revealTime(g.start_ns, g.end_ns);
                    }}
                  >
                    {formatDurationNs(g.end_ns - g.start_ns)}
                    {k < Math.min(5, b.longest_gaps.length) - 1 ? ', ' : ''}
                  </a>
                ))}
              </span>
            )}
          </li>
        ))}
        {a.nccl && (
          <li data-testid="steps-nccl">
            NCCL: {a.nccl.collectives} collectives across pids {a.nccl.ranks.join(', ')}; arrival skew p50{' '}
            {formatDurationNs(a.nccl.skew_p50_ns)}, p99 {formatDurationNs(a.nccl.skew_p99_ns)}; last to arrive:{' '}
            {a.nccl.late.map((l) => `pid ${l.pid} ${l.collectives}×`).join(', ')}
            {a.nccl.worst && (
              <>
                {' '}
                · worst{' '}
                <a
                  href="#"
                  onClick={(e) => {
                    e.preventDefault();
                    const w = a.nccl?.worst;
                    if (w) revealTime(w.start_ns, w.start_ns + w.skew_ns);
                  }}
                >
                  #{a.nccl.worst.seq} {formatDurationNs(a.nccl.worst.skew_ns)}
                </a>
                : pid {a.nccl.worst.late_pid} late, {a.nccl.worst.late_reason}
              </>
            )}
          </li>
        )}
      </ul>
      {sm.count > 0 && (
        <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
          <div ref={timeRef} data-testid="steps-time-plot" title="Click a point to show that step on the timeline" />
          <div ref={histRef} data-testid="steps-hist-plot" />
        </div>
      )}
      {sm.count > 0 && (
        <div>
          Steps{' '}
          <TableExportButtons
            testId="steps-export"
            // What `nsys-viewer steps --csv` / `--json` print for the same patterns.
            make={(format) =>
              format === 'csv'
                ? { fileName: `${fileStem(info.name)}_steps.csv`, data: stepsCsv(view) }
                : { fileName: `${fileStem(info.name)}_steps.json`, data: `${JSON.stringify(stepsJson(view, a.verdict), null, 2)}\n` }
            }
          />
        </div>
      )}
      {sm.count > 0 && (
        <SortableTable
          testId="steps-table"
          columns={[
            'pid',
            'step',
            'kind',
            'start ms',
            'wall ms',
            'busy ms',
            'idle ms',
            'kernels',
            'API ms',
            'sync ms',
            'NCCL ms',
            'lat p50 µs',
            'lat p99 µs',
            'name',
          ]}
          rows={rows}
          onRowClick={(_row, i) => reveal(steps[i])}
          maxRows={2000}
        />
      )}
      {view.nvtxGpu.some((r) => r.gpuOps > 0) && (
        <section data-testid="steps-nvtx-gpu">
          <h4 style={{ margin: '8px 0 3px' }}>
            GPU time per NVTX range (GPU work launched inside each range, by correlation)
            <TableExportButtons
              testId="nvtx-gpu-export"
              make={(format) => {
                const records = view.nvtxGpu.filter((r) => r.gpuOps > 0);
                return {
                  fileName: `${fileStem(info.name)}_nvtx_gpu.${format}`,
                  data: format === 'csv' ? recordsCsv(records) : `${JSON.stringify(records, null, 2)}\n`,
                };
              }}
            />
          </h4>
          <SortableTable
            testId="nvtx-gpu-table"
            columns={['GPU busy ms', 'GPU span ms', 'range CPU ms', 'ranges', 'GPU ops', 'NVTX range']}
            rows={view.nvtxGpu
              .filter((r) => r.gpuOps > 0)
              .map((r) => [ms(r.gpuBusyNs), ms(r.gpuSpanNs), ms(r.rangeNs), r.ranges, r.gpuOps, r.name])}
            maxRows={200}
          />
        </section>
      )}
    </div>
  );
}
