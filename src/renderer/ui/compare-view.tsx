import { useEffect, useMemo, useRef, useState } from 'react';
import {
  alignChoices,
  AlignError,
  defaultAlignSpec,
  formatAlignSpec,
  parseAlignSpec,
  resolveAlignment,
  type Alignment,
} from '../../core/compare/align';
import type { KernelDiff } from '../../core/compare/compare-runs';
import type { Ns, NsysBridge, RunComparison, TraceInfo } from '../../shared/bridge';
import { TimelineController } from '../timeline/controller';
import { RowTree } from './row-tree';
import { ViewerContext, type ViewerApi } from './viewer-context';
import './compare-view.css';

/**
 * Two traces compared (`serve A B --compare`, or "Compare…" in the tab bar; two ranks of one trace
 * with `pidA`/`pidB`): A's and B's timelines stacked with one zoom, each with its row labels (as the
 * main viewer names them, under the trace and rank they come from), aligned so a chosen point starts
 * at the same x in both — a step (by index) or the first range of an NVTX phase (by name), default
 * the first step both runs call decode (core/compare/align.ts, as `diff --align`) —, one cursor line
 * across both, and the diff table (core/compare, the `diff` command's figures) beside them. A click
 * on a kernel row highlights that kernel in both timelines by the exact name nsys stats groups it by
 * (search match 'kernel-name'), so template instances that share a short name are told apart.
 *
 * Time spaces: `tA` is A's ns since its session start; B's time is `tA + offsetNs`.
 */

/** What the browser tests read: `window.__nsysCompare`. */
export interface CompareAutomation {
  ready(): boolean;
  offsetNs(): number;
  views(): { a: { t0: Ns; t1: Ns }; b: { t0: Ns; t1: Ns } };
  searchTotals(): { a: number; b: number };
  /** Slices drawn highlighted in each timeline's current window, and the events they merge. */
  highlighted(): { a: { slices: number; events: number }; b: { slices: number; events: number } };
  /** Zooms A by `factor` around its centre, as input would, then syncs B. */
  zoomA(factor: number): void;
  /** Shows [t0, t1] of A's clock in A (B follows), as a pan and zoom would. */
  showA(t0: Ns, t1: Ns): void;
  /** Every slice fetch answered and drawn in both timelines. */
  settled(): boolean;
}

declare global {
  interface Window {
    __nsysCompare?: CompareAutomation;
  }
}

/** The alignment `text` names, else the default, with why the asked one could not be used. */
function alignmentOf(c: RunComparison, text: string | null): { align: Alignment | null; error: string | null } {
  if (text !== null) {
    try {
      return { align: resolveAlignment(c, parseAlignSpec(text)), error: null };
    } catch (e) {
      if (!(e instanceof AlignError)) throw e;
      const spec = defaultAlignSpec(c);
      return { align: spec && resolveAlignment(c, spec), error: `Cannot align at ${text}: ${e.message}` };
    }
  }
  const spec = defaultAlignSpec(c);
  return { align: spec && resolveAlignment(c, spec), error: null };
}

/** Collapses the process rows of every other process: a rank's timeline shows that rank's rows open. */
function focusProcess(ctl: TimelineController, pid: number | undefined): void {
  if (pid === undefined) return;
  const walk = (nodes: typeof ctl.roots) => {
    for (const n of nodes) {
      const m = /^(?:gpuproc:\d+\/|proc:)(\d+)$/.exec(n.key);
      if (m && Number(m[1]) !== pid && !ctl.isCollapsed(n.key)) ctl.toggleRow(n.key);
      walk(n.children);
    }
  };
  walk(ctl.roots);
}

/** What the row tree (and its panels' hooks) read from one of the two timelines. */
function viewerApi(bridge: NsysBridge, c: TimelineController, info: TraceInfo): ViewerApi {
  return {
    bridge,
    traceId: info.traceId,
    info,
    controller: c,
    selectEvent: (lane, index) => void c.selectEvent(lane, index),
    revealTime: (t0, t1) => c.revealTime(t0, t1),
    revealTrack: (id) => c.revealTrack(id),
    setRange: (r) => c.setRange(r),
  };
}

/** What a row of the diff table highlights: a kernel by its exact name; a CUDA graph by its row's name. */
function highlightQuery(k: KernelDiff): { text: string; regex: boolean; match: 'name' | 'kernel-name' } {
  if (k.name.startsWith('[CUDA graph')) return { text: `^${escapeRe(k.name)}$`, regex: true, match: 'name' };
  return { text: k.name, regex: false, match: 'kernel-name' };
}

const us = (ns: number | null) => (ns === null ? '-' : (ns / 1e3).toFixed(1));
const ms = (ns: number) => (ns / 1e6).toFixed(3);
const n1 = (x: number | null) => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(1));
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface CompareViewProps {
  bridge: NsysBridge;
  a: TraceInfo;
  b: TraceInfo;
  /** One process of each trace (two ranks of one trace: `serve T#82 T#83 --compare`). */
  pidA?: number;
  pidB?: number;
  /** The alignment to start at (`step:N` or `phase:NAME`, `serve --align`); default the first decode step. */
  initialAlign?: string;
  onClose?: () => void;
}

export function CompareView({ bridge, a, b, pidA, pidB, initialAlign, onClose }: CompareViewProps) {
  const hostA = useRef<HTMLDivElement>(null);
  const hostB = useRef<HTMLDivElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const [ctl, setCtl] = useState<{ a: TimelineController; b: TimelineController } | null>(null);
  const [cmp, setCmp] = useState<RunComparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [alignText, setAlignText] = useState<string | null>(initialAlign ?? null);
  const [picked, setPicked] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [cursorX, setCursorX] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    const pids = { ...(pidA !== undefined ? { pidA } : {}), ...(pidB !== undefined ? { pidB } : {}) };
    void bridge.compareTraces(a.traceId, b.traceId, pids).then((r) => {
      if (!live) return;
      if (!r.ok) return setError(r.error);
      setCmp(r.value);
    });
    return () => {
      live = false;
    };
  }, [bridge, a.traceId, b.traceId, pidA, pidB]);

  useEffect(() => {
    const ca = new TimelineController(hostA.current!, bridge, a);
    const cb = new TimelineController(hostB.current!, bridge, b);
    let live = true;
    const started = Promise.all([ca.init(), cb.init()]);
    started.then(
      () => {
        if (!live) return;
        focusProcess(ca, pidA);
        focusProcess(cb, pidB);
        setCtl({ a: ca, b: cb });
      },
      (e: Error) => setError(`Could not start WebGL: ${e.message}`),
    );
    return () => {
      live = false;
      // pixi's Application cannot be destroyed while its init is in flight (it throws
      // "_cancelResize is not a function"): destroy once both have started.
      const destroy = () => {
        ca.destroy();
        cb.destroy();
      };
      void started.then(destroy, destroy);
    };
  }, [bridge, a, b, pidA, pidB]);

  const { align, error: alignError } = useMemo(() => (cmp ? alignmentOf(cmp, alignText) : { align: null, error: null }), [cmp, alignText]);
  const choices = useMemo(() => (cmp ? alignChoices(cmp) : []), [cmp]);
  const offsetNs = align?.offsetNs ?? 0;

  // Align: show the chosen point with room for the longer of the two spans, at the same x in both.
  useEffect(() => {
    if (!ctl || !align) return;
    const span = Math.max(align.spanNs, 1000) * 1.2;
    const t0 = align.startNsA - span * 0.05;
    ctl.a.viewport.showExactly(t0, t0 + span);
    ctl.a.viewChanged();
    ctl.b.viewport.showExactly(t0 + align.offsetNs, t0 + align.offsetNs + span);
    ctl.b.viewChanged();
  }, [ctl, align]);

  // One zoom: after any input on one timeline, the other shows the same window shifted by the offset.
  useEffect(() => {
    if (!ctl) return;
    const last = { a: [ctl.a.viewport.t0, ctl.a.viewport.t1], b: [ctl.b.viewport.t0, ctl.b.viewport.t1] };
    let pending = 0;
    const sync = () => {
      pending = 0;
      const va = ctl.a.viewport;
      const vb = ctl.b.viewport;
      if (va.t0 !== last.a[0] || va.t1 !== last.a[1]) {
        vb.showExactly(va.t0 + offsetNs, va.t1 + offsetNs);
        ctl.b.viewChanged();
      } else if (vb.t0 !== last.b[0] || vb.t1 !== last.b[1]) {
        va.showExactly(vb.t0 - offsetNs, vb.t1 - offsetNs);
        ctl.a.viewChanged();
      }
      last.a = [va.t0, va.t1];
      last.b = [vb.t0, vb.t1];
    };
    const schedule = () => {
      if (!pending) pending = requestAnimationFrame(sync);
    };
    const root = rootRef.current!;
    for (const ev of ['wheel', 'mousemove', 'mouseup'] as const) root.addEventListener(ev, schedule);
    window.addEventListener('keydown', schedule);
    window.__nsysCompare = {
      ready: () => true,
      offsetNs: () => offsetNs,
      views: () => ({ a: { t0: ctl.a.viewport.t0, t1: ctl.a.viewport.t1 }, b: { t0: ctl.b.viewport.t0, t1: ctl.b.viewport.t1 } }),
      searchTotals: () => ({ a: ctl.a.state.search.result?.total ?? 0, b: ctl.b.state.search.result?.total ?? 0 }),
      highlighted: () => ({ a: ctl.a.highlightedSlices(), b: ctl.b.highlightedSlices() }),
      zoomA: (factor) => {
        ctl.a.viewport.zoomAt(ctl.a.viewport.widthPx / 2, factor);
        ctl.a.viewChanged();
        sync();
      },
      showA: (t0, t1) => {
        ctl.a.viewport.showExactly(t0, t1);
        ctl.a.viewChanged();
        sync();
      },
      settled: () => ctl.a.settled && ctl.b.settled,
    };
    return () => {
      if (pending) cancelAnimationFrame(pending);
      for (const ev of ['wheel', 'mousemove', 'mouseup'] as const) root.removeEventListener(ev, schedule);
      window.removeEventListener('keydown', schedule);
      delete window.__nsysCompare;
    };
  }, [ctl, offsetNs]);

  const pick = (k: KernelDiff) => {
    if (!ctl) return;
    const next = picked === k.name ? null : k.name;
    setPicked(next);
    const q = next === null ? { text: '', regex: false, match: 'name' as const } : highlightQuery(k);
    void ctl.a.search(q.text, q.regex, q.match);
    void ctl.b.search(q.text, q.regex, q.match);
  };

  // One cursor: the mouse's x over either timeline is the same aligned time in both.
  const onMove = (e: React.MouseEvent) => {
    const r = hostA.current?.getBoundingClientRect();
    if (r) setCursorX(e.clientX - r.left);
  };

  // The largest changes first; a filter finds any kernel (its demangled name, case-insensitive).
  const kernels = useMemo(() => {
    if (!cmp) return [];
    const f = filter.trim().toLowerCase();
    return (f ? cmp.kernels.filter((k) => k.name.toLowerCase().includes(f)) : cmp.kernels).slice(0, f ? 200 : 60);
  }, [cmp, filter]);
  const apis = useMemo(() => ctl && { a: viewerApi(bridge, ctl.a, a), b: viewerApi(bridge, ctl.b, b) }, [bridge, ctl, a, b]);
  const who = (info: TraceInfo, pid: number | undefined, side: 'A' | 'B') => {
    const p = pid ?? (side === 'A' ? cmp?.a.pid : cmp?.b.pid) ?? undefined;
    const proc = p === undefined || p === null ? undefined : info.processes.find((x) => x.pid === p);
    return `${side} · ${info.name}${p !== undefined && p !== null ? ` · ${proc?.name ?? 'pid'} (${p})` : ''}`;
  };
  const pane = (side: 'A' | 'B') => {
    const api = apis && (side === 'A' ? apis.a : apis.b);
    const label = side === 'A' ? who(a, pidA, 'A') : who(b, pidB, 'B');
    const corner = (
      <span className="compare-corner" data-testid={`compare-corner-${side.toLowerCase()}`} title={label}>
        {label}
      </span>
    );
    return (
      <div className="compare-pane">
        {api ? (
          <ViewerContext.Provider value={api}>
            <RowTree corner={corner} />
          </ViewerContext.Provider>
        ) : (
          <div className="row-tree">
            <div className="row-tree-ruler">{corner}</div>
          </div>
        )}
        <div
          className="canvas-host compare-canvas"
          ref={side === 'A' ? hostA : hostB}
          data-testid={side === 'A' ? 'compare-timeline-a' : 'compare-timeline-b'}
        />
      </div>
    );
  };
  const perStep = cmp?.a.window === 'steps' && cmp?.b.window === 'steps';
  return (
    <div className="compare-view" data-testid="compare-view" ref={rootRef}>
      <div className="compare-bar">
        <span>
          Compare <b>A</b> {a.name} with <b>B</b> {b.name}
        </span>
        {cmp && align && (
          <label>
            {' '}
            align at{' '}
            <select value={formatAlignSpec(align.spec)} onChange={(e) => setAlignText(e.target.value)} data-testid="compare-align">
              {choices.map((spec) => {
                const v = formatAlignSpec(spec);
                const s = spec.by === 'step' ? cmp.steps[spec.index] : undefined;
                return (
                  <option key={v} value={v}>
                    {s ? `step ${s.index} (${s.kindA ?? '-'} / ${s.kindB ?? '-'})` : spec.by === 'phase' ? `phase ${spec.name}` : v}
                  </option>
                );
              })}
            </select>
          </label>
        )}
        {onClose && <button onClick={onClose}>Close compare</button>}
      </div>
      {error && <div className="error banner">{error}</div>}
      {alignError && (
        <div className="error banner" data-testid="compare-align-error">
          {alignError}
        </div>
      )}
      <div className="compare-main">
        <div className="compare-timelines" onMouseMove={onMove} onMouseLeave={() => setCursorX(null)}>
          {pane('A')}
          <div className="compare-label" data-testid="compare-offset">
            {align ? `aligned at ${align.label}` : 'not aligned'}
            {offsetNs !== 0 && ` · B shifted ${ms(-offsetNs)} ms`}
          </div>
          {pane('B')}
          {cursorX !== null && <div className="compare-cursor" style={{ left: cursorX }} />}
        </div>
        <div className="compare-table">
          {cmp && (
            <>
              <div className="compare-summary" data-testid="compare-summary">
                median step A {ms(cmp.a.steps.wallMedianNs)} ms · B {ms(cmp.b.steps.wallMedianNs)} ms
                {cmp.speedup !== null &&
                  ` · B ${cmp.speedup >= 1 ? `${cmp.speedup.toFixed(2)}× faster` : `${(1 / cmp.speedup).toFixed(2)}× slower`}`}{' '}
                · kernels/step {n1(cmp.a.steps.kernelsMedian)} → {n1(cmp.b.steps.kernelsMedian)}
              </div>
              <input
                className="compare-filter"
                placeholder="filter kernels"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
                data-testid="compare-filter"
              />
              <table data-testid="compare-kernels">
                <thead>
                  <tr>
                    <th>kernel</th>
                    <th>{perStep ? 'calls/step A' : 'calls A'}</th>
                    <th>{perStep ? 'calls/step B' : 'calls B'}</th>
                    <th>Δ µs{perStep ? '/step' : ''}</th>
                    <th>A µs/call</th>
                    <th>B µs/call</th>
                  </tr>
                </thead>
                <tbody>
                  {kernels.map((k) => (
                    <tr key={k.name} className={`${k.status}${picked === k.name ? ' picked' : ''}`} title={k.name} onClick={() => pick(k)}>
                      <td>{k.shortName}</td>
                      <td>{n1(perStep ? k.perStepCountA : k.countA)}</td>
                      <td>{n1(perStep ? k.perStepCountB : k.countB)}</td>
                      <td>
                        {k.deltaNs > 0 ? '+' : ''}
                        {us(k.deltaNs)}
                      </td>
                      <td>{us(k.meanNsA)}</td>
                      <td>{us(k.meanNsB)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      </div>
    </div>
  );
}
