import { useEffect, useRef } from 'react';
import type { MemOpsView } from '../../shared/bridge';

/**
 * Two scatter plots beside the memcpy table, where the eye beats the table: achieved bandwidth vs
 * transfer size (log x) — pageable HtoD copies sit in a band far below pinned ones of the same size —
 * and launch latency vs time, which shows when copies queued behind work. One point per op, drawn on
 * a 2D canvas (a few thousand points cost < 2 ms); colour per direction × memory kind group, the same
 * order as the group table. Click a point to select that op.
 *
 * The axes are published as data-* attributes so tests can compute where a given op must be drawn.
 */
export const PLOT_W = 360;
export const PLOT_H = 180;
const PAD = { left: 46, right: 8, top: 8, bottom: 26 };
const GROUP_COLOURS = ['#4fc3f7', '#ff8a65', '#aed581', '#ba68c8', '#ffd54f', '#4db6ac', '#f06292', '#90a4ae'];

export interface Axes {
  xMin: number;
  xMax: number;
  yMax: number;
  log: boolean;
}

function bandwidthAxes(v: MemOpsView): Axes {
  let lo = Infinity;
  let hi = -Infinity;
  let yMax = 0;
  for (let k = 0; k < v.table.count; k++) {
    const b = v.table.bytes[k];
    if (b > 0) {
      lo = Math.min(lo, b);
      hi = Math.max(hi, b);
    }
    if (Number.isFinite(v.table.gbps[k])) yMax = Math.max(yMax, v.table.gbps[k]);
  }
  if (!Number.isFinite(lo)) {
    lo = 1;
    hi = 10;
  }
  return {
    xMin: Math.floor(Math.log10(lo)),
    xMax: Math.max(Math.floor(Math.log10(lo)) + 1, Math.ceil(Math.log10(hi))),
    yMax: niceCeil(yMax),
    log: true,
  };
}

function latencyAxes(v: MemOpsView, t0: number, t1: number): Axes {
  let yMax = 0;
  for (let k = 0; k < v.table.count; k++) if (Number.isFinite(v.table.launchNs[k])) yMax = Math.max(yMax, v.table.launchNs[k]);
  return { xMin: t0, xMax: t1, yMax: niceCeil(yMax / 1e3), log: false };
}

function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

export function plotX(a: Axes, x: number): number {
  const f = a.log ? (Math.log10(x) - a.xMin) / (a.xMax - a.xMin) : (x - a.xMin) / (a.xMax - a.xMin || 1);
  return PAD.left + f * (PLOT_W - PAD.left - PAD.right);
}
export function plotY(a: Axes, y: number): number {
  return PLOT_H - PAD.bottom - (y / a.yMax) * (PLOT_H - PAD.top - PAD.bottom);
}

function Scatter(props: {
  testId: string;
  title: string;
  axes: Axes;
  xLabel: (v: number) => string;
  yLabel: string;
  points: { k: number; x: number; y: number; group: number }[];
  current: number;
  onPick: (k: number) => void;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { axes, points, current } = props;
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = PLOT_W * dpr;
    c.height = PLOT_H * dpr;
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = '#15171c';
    g.fillRect(0, 0, PLOT_W, PLOT_H);
    g.strokeStyle = '#3a3f4b';
    g.fillStyle = '#9aa3b2';
    g.font = '10px sans-serif';
    g.beginPath();
    g.moveTo(PAD.left, PAD.top);
    g.lineTo(PAD.left, PLOT_H - PAD.bottom);
    g.lineTo(PLOT_W - PAD.right, PLOT_H - PAD.bottom);
    g.stroke();
    for (let i = 0; i <= 4; i++) {
      const yv = (axes.yMax * i) / 4;
      const y = plotY(axes, yv);
      g.fillText(String(+yv.toPrecision(3)), 2, y + 3);
    }
    const ticks = axes.log
      ? Array.from({ length: axes.xMax - axes.xMin + 1 }, (_, i) => 10 ** (axes.xMin + i))
      : [0, 0.25, 0.5, 0.75, 1].map((f) => axes.xMin + f * (axes.xMax - axes.xMin));
    for (const t of ticks) {
      const x = plotX(axes, t);
      g.fillText(props.xLabel(t), Math.min(x - 8, PLOT_W - 40), PLOT_H - PAD.bottom + 12);
    }
    g.fillText(props.yLabel, PAD.left + 4, PAD.top + 8);
    for (const p of points) {
      g.fillStyle = GROUP_COLOURS[p.group % GROUP_COLOURS.length];
      g.fillRect(Math.round(plotX(axes, p.x)) - 2, Math.round(plotY(axes, p.y)) - 2, 4, 4);
    }
    const cur = points.find((p) => p.k === current);
    if (cur) {
      g.strokeStyle = '#ffffff';
      g.strokeRect(Math.round(plotX(axes, cur.x)) - 4, Math.round(plotY(axes, cur.y)) - 4, 8, 8);
    }
  }, [axes, points, current, props]);
  return (
    <figure className="memcpy-plot">
      <figcaption>{props.title}</figcaption>
      <canvas
        ref={ref}
        data-testid={props.testId}
        data-axes={JSON.stringify(axes)}
        style={{ width: PLOT_W, height: PLOT_H, cursor: 'crosshair' }}
        onClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const mx = e.clientX - r.left;
          const my = e.clientY - r.top;
          let best = -1;
          let bestD = 64; // within 8 px
          for (const p of points) {
            const d = (plotX(axes, p.x) - mx) ** 2 + (plotY(axes, p.y) - my) ** 2;
            if (d < bestD) {
              bestD = d;
              best = p.k;
            }
          }
          if (best >= 0) props.onPick(best);
        }}
      />
    </figure>
  );
}

const sizeLabel = (b: number) => (b >= 1e9 ? `${b / 1e9}G` : b >= 1e6 ? `${b / 1e6}M` : b >= 1e3 ? `${b / 1e3}k` : `${b}`);

export function MemcpyPlots({
  view,
  rows,
  groupOf,
  current,
  onPick,
  t0,
  t1,
}: {
  view: MemOpsView;
  /** Table rows to plot (already filtered by group). */
  rows: Int32Array;
  groupOf: (k: number) => number;
  current: number;
  onPick: (k: number) => void;
  t0: number;
  t1: number;
}) {
  const t = view.table;
  const bw = bandwidthAxes(view);
  const lat = latencyAxes(view, t0, t1);
  const bwPoints: { k: number; x: number; y: number; group: number }[] = [];
  const latPoints: { k: number; x: number; y: number; group: number }[] = [];
  for (const k of rows) {
    if (t.bytes[k] > 0 && Number.isFinite(t.gbps[k])) bwPoints.push({ k, x: t.bytes[k], y: t.gbps[k], group: groupOf(k) });
    if (Number.isFinite(t.launchNs[k])) latPoints.push({ k, x: t.gpuStartNs[k], y: t.launchNs[k] / 1e3, group: groupOf(k) });
  }
  return (
    <div className="memcpy-plots" style={{ display: 'flex', gap: 12, flexWrap: 'wrap', margin: '6px 0' }}>
      <Scatter
        testId="memcpy-plot-bw"
        title="Bandwidth vs transfer size"
        axes={bw}
        xLabel={sizeLabel}
        yLabel="GB/s"
        points={bwPoints}
        current={current}
        onPick={onPick}
      />
      <Scatter
        testId="memcpy-plot-latency"
        title="Launch latency (API start → GPU start) over time"
        axes={lat}
        xLabel={(ns) => `${((ns - t0) / 1e6).toFixed(0)} ms`}
        yLabel="µs"
        points={latPoints}
        current={current}
        onPick={onPick}
      />
    </div>
  );
}

export { GROUP_COLOURS };
