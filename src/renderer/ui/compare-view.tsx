import { useEffect, useMemo, useRef, useState } from 'react';
import type { Ns, NsysBridge, RunComparison, TraceInfo } from '../../shared/bridge';
import { TimelineController } from '../timeline/controller';
import './compare-view.css';

/**
 * Two traces compared (`serve A B --compare`, or "Compare…" in the tab bar): A's and B's timelines
 * stacked with one zoom, aligned so the chosen step starts at the same x in both (default: the first
 * step both runs call decode), one cursor line across both, and the diff table (core/compare, the
 * `diff` command's figures) beside them; a click on a kernel row highlights that kernel in both
 * timelines through their search (by short name, as slices carry it: templated instances that share
 * a short name light up together).
 *
 * Time spaces: `tA` is A's ns since its session start; B's time is `tA + offsetNs`.
 */

/** What the browser tests read: `window.__nsysCompare`. */
export interface CompareAutomation {
  ready(): boolean;
  offsetNs(): number;
  views(): { a: { t0: Ns; t1: Ns }; b: { t0: Ns; t1: Ns } };
  searchTotals(): { a: number; b: number };
  /** Zooms A by `factor` around its centre, as input would, then syncs B. */
  zoomA(factor: number): void;
}

declare global {
  interface Window {
    __nsysCompare?: CompareAutomation;
  }
}

function firstAlignedStep(c: RunComparison): number {
  const k = c.steps.findIndex((s) => s.kindA === 'decode' && s.kindB === 'decode');
  return k >= 0 ? k : 0;
}

const us = (ns: number | null) => (ns === null ? '-' : (ns / 1e3).toFixed(1));
const ms = (ns: number) => (ns / 1e6).toFixed(3);
const n1 = (x: number | null) => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(1));
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function CompareView({ bridge, a, b, onClose }: { bridge: NsysBridge; a: TraceInfo; b: TraceInfo; onClose?: () => void }) {
  const hostA = useRef<HTMLDivElement>(null);
  const hostB = useRef<HTMLDivElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const [ctl, setCtl] = useState<{ a: TimelineController; b: TimelineController } | null>(null);
  const [cmp, setCmp] = useState<RunComparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [alignStep, setAlignStep] = useState<number | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const [cursorX, setCursorX] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    void bridge.compareTraces(a.traceId, b.traceId).then((r) => {
      if (!live) return;
      if (!r.ok) return setError(r.error);
      setCmp(r.value);
      setAlignStep(firstAlignedStep(r.value));
    });
    return () => {
      live = false;
    };
  }, [bridge, a.traceId, b.traceId]);

  useEffect(() => {
    const ca = new TimelineController(hostA.current!, bridge, a);
    const cb = new TimelineController(hostB.current!, bridge, b);
    let live = true;
    const started = Promise.all([ca.init(), cb.init()]);
    started.then(
      () => live && setCtl({ a: ca, b: cb }),
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
  }, [bridge, a, b]);

  const step = cmp && alignStep !== null ? cmp.steps[alignStep] : undefined;
  const offsetNs = step && step.startNsA !== null && step.startNsB !== null ? step.startNsB - step.startNsA : 0;

  // Align: show the chosen step with room for the longer of the two, at the same x in both.
  useEffect(() => {
    if (!ctl || !step || step.startNsA === null) return;
    const span = Math.max(step.wallNsA ?? 0, step.wallNsB ?? 0, 1000) * 1.2;
    const t0 = step.startNsA - span * 0.05;
    ctl.a.viewport.showExactly(t0, t0 + span);
    ctl.a.viewChanged();
    ctl.b.viewport.showExactly(t0 + offsetNs, t0 + offsetNs + span);
    ctl.b.viewChanged();
  }, [ctl, step, offsetNs]);

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
      zoomA: (factor) => {
        ctl.a.viewport.zoomAt(ctl.a.viewport.widthPx / 2, factor);
        ctl.a.viewChanged();
        sync();
      },
    };
    return () => {
      if (pending) cancelAnimationFrame(pending);
      for (const ev of ['wheel', 'mousemove', 'mouseup'] as const) root.removeEventListener(ev, schedule);
      window.removeEventListener('keydown', schedule);
      delete window.__nsysCompare;
    };
  }, [ctl, offsetNs]);

  const pick = (shortName: string) => {
    if (!ctl) return;
    const next = picked === shortName ? null : shortName;
    setPicked(next);
    const text = next === null ? '' : `^${escapeRe(next)}$`;
    void ctl.a.search(text, true);
    void ctl.b.search(text, true);
  };

  // One cursor: the mouse's x over either timeline is the same aligned time in both.
  const onMove = (e: React.MouseEvent) => {
    const r = hostA.current?.getBoundingClientRect();
    if (r) setCursorX(e.clientX - r.left);
  };

  const kernels = useMemo(() => (cmp ? cmp.kernels.slice(0, 60) : []), [cmp]);
  const perStep = cmp?.a.window === 'steps' && cmp?.b.window === 'steps';
  return (
    <div className="compare-view" data-testid="compare-view" ref={rootRef}>
      <div className="compare-bar">
        <span>
          Compare <b>A</b> {a.name} with <b>B</b> {b.name}
        </span>
        {cmp && cmp.steps.length > 0 && (
          <label>
            {' '}
            align at step{' '}
            <select value={alignStep ?? 0} onChange={(e) => setAlignStep(Number(e.target.value))} data-testid="compare-align">
              {cmp.steps.map((s) => (
                <option key={s.index} value={s.index}>
                  {s.index} ({s.kindA ?? '-'} / {s.kindB ?? '-'})
                </option>
              ))}
            </select>
          </label>
        )}
        {onClose && <button onClick={onClose}>Close compare</button>}
      </div>
      {error && <div className="error banner">{error}</div>}
      <div className="compare-main">
        <div className="compare-timelines" onMouseMove={onMove} onMouseLeave={() => setCursorX(null)}>
          <div className="compare-label">A · {a.name}</div>
          <div className="canvas-host compare-canvas" ref={hostA} data-testid="compare-timeline-a" />
          <div className="compare-label">
            B · {b.name} {offsetNs !== 0 && `(shifted ${ms(-offsetNs)} ms)`}
          </div>
          <div className="canvas-host compare-canvas" ref={hostB} data-testid="compare-timeline-b" />
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
                    <tr
                      key={k.name}
                      className={`${k.status}${picked === k.shortName ? ' picked' : ''}`}
                      title={k.name}
                      onClick={() => pick(k.shortName)}
                    >
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
