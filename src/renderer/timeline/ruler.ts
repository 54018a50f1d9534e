import type { Ns } from '../../shared/bridge';

export interface RulerTick {
  t: Ns;
  label: string;
}

const UNITS: [number, string][] = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];

/** Unit for a tick step: the largest whose value of one step is ≥ 1 (1 ms steps read "ms"). */
export function unitFor(stepNs: number): [number, string] {
  return UNITS.find(([u]) => stepNs >= u) ?? UNITS[3];
}

/** 1, 2 or 5 × 10^k ns, the smallest giving at least `minPx` between ticks. */
export function niceStep(nsPerPx: number, minPx = 90): number {
  const raw = nsPerPx * minPx;
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return Math.max(1, m * p);
  return 10 * p;
}

/**
 * Ticks for the visible window, labelled relative to the session start in the unit of the step.
 * When absolute labels would get long (deep zoom into a late part of the trace) ticks read as
 * offsets ("+20 µs") from `base`, which the ruler shows once at its left edge.
 */
export function rulerTicks(
  t0: Ns,
  t1: Ns,
  widthPx: number,
  sessionStartNs: Ns,
): { ticks: RulerTick[]; base: string | null; stepNs: number } {
  const step = niceStep((t1 - t0) / widthPx);
  const [unit, name] = unitFor(step);
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / unit) - 1e-9));
  const rel0 = t0 - sessionStartNs;
  const first = Math.ceil(rel0 / step) * step;
  const long = Math.abs((t1 - sessionStartNs) / unit) >= 1e5;
  let baseRel = 0;
  let base: string | null = null;
  if (long) {
    // Offsets stay within 100 steps of the base, so they read as at most 4 digits; the base itself
    // is written in the unit of its own magnitude ("8.14 s").
    baseRel = Math.floor(rel0 / (step * 100)) * step * 100;
    const [bu, bn] = unitFor(Math.max(Math.abs(baseRel), 1));
    base = formatTime(baseRel, bu, bn);
  }
  const ticks: RulerTick[] = [];
  for (let r = first; r <= t1 - sessionStartNs && ticks.length < 200; r += step) {
    const v = long ? r - baseRel : r;
    ticks.push({ t: r + sessionStartNs, label: `${long ? '+' : ''}${(v / unit).toFixed(decimals)} ${name}` });
  }
  return { ticks, base, stepNs: step };
}

function formatTime(ns: number, unit: number, name: string): string {
  // Up to 9 decimals (ns in seconds), trailing zeros dropped.
  return `${Number((ns / unit).toFixed(9))} ${name}`;
}

/** Cursor readout: time since session start with 9 significant digits in an adaptive unit. */
export function formatCursorTime(relNs: number): string {
  const a = Math.abs(relNs);
  if (a >= 1e9) return `${(relNs / 1e9).toFixed(9)} s`;
  if (a >= 1e6) return `${(relNs / 1e6).toFixed(6)} ms`;
  if (a >= 1e3) return `${(relNs / 1e3).toFixed(3)} µs`;
  return `${Math.round(relNs)} ns`;
}
