import type { DurNs, Ns, TraceModel } from '../model/types';
import { nameTable } from '../service/names';
import { kernelNameId } from '../stats/kernel-name';
import { detectSteps, percentileOfSorted, summarizeSteps, type StepDetection, type StepKind, type StepRecord } from '../steps/detect-steps';
import { gpuWorkByPid, laneOf } from '../steps/gpu-work';
import { IntervalSet } from '../steps/interval-set';
import { kernelCategory, KERNEL_CATEGORIES, type KernelCategory } from '../util/kernel-category';

/**
 * Two runs side by side (eager vs torch.compile, before vs after, rank 0 vs rank 1), aligned by what
 * the runs did rather than by clock: steps matched by index, NVTX phases by name, kernels by the
 * name `nsys stats` groups by (demangled). The `diff` command and the app's compare view read this.
 *
 * Scope of a side: one process when `pid` is given; else, when steps were found in several
 * processes (tensor-parallel ranks), the lowest such pid (and `note` says so), since step k of
 * rank 0 and step k of rank 1 are the same token, not two; else the whole trace.
 * Window of a side: its steps when it has any (a kernel belongs to the step it starts in, as
 * StepRecord.kernels counts), else the whole scope. Kernels, categories and copies are counted in
 * the window, so "per step" figures are window totals over the step count.
 */

export interface CompareSideInput {
  model: TraceModel;
  /** File name for people (no directories needed). */
  file: string;
  /** Compare this process only (a rank of a multi-process trace). */
  pid?: number;
}

export interface CompareOptions {
  stepNvtx?: RegExp;
  stepKernel?: RegExp;
}

export interface SideSummary {
  file: string;
  /** The process compared; null for the whole trace. */
  pid: number | null;
  /** Processes that launched GPU work (the choices for TRACE#PID). */
  gpuPids: number[];
  window: 'steps' | 'trace';
  steps: {
    source: StepDetection['source'];
    description: string;
    count: number;
    wallMedianNs: DurNs;
    wallP90Ns: DurNs;
    /** Median decode step (time per generated token); null without decode steps. */
    decodeMedianNs: DurNs | null;
    /** Median kernels per step; null without steps. */
    kernelsMedian: number | null;
    gpuBusyFraction: number;
  };
  /** Kernels in the window. */
  kernels: number;
  /** Why this scope was chosen, when it was not asked for. */
  note: string | null;
}

interface Figures {
  count: number;
  totalNs: DurNs;
}

/** Counts and time of one row on both sides; per-step figures are null on a side without steps. */
export interface DiffFigures {
  countA: number;
  countB: number;
  totalNsA: DurNs;
  totalNsB: DurNs;
  perStepCountA: number | null;
  perStepCountB: number | null;
  perStepNsA: number | null;
  perStepNsB: number | null;
  /** Mean duration per call (ns); null when a side has none. */
  meanNsA: number | null;
  meanNsB: number | null;
  /** B − A per step when both sides have steps, else B − A of the totals. */
  deltaNs: number;
  status: 'both' | 'new' | 'removed';
}

export interface KernelDiff extends DiffFigures {
  name: string;
  /** The kernel's short name (what the timeline labels and searches slices by). */
  shortName: string;
  category: KernelCategory;
}

export interface CategoryDiff extends DiffFigures {
  category: KernelCategory;
}

export interface CopyDiff extends DiffFigures {
  /** As nsys stats names it: "[CUDA memcpy Host-to-Device]", "[CUDA memset]". */
  name: string;
  bytesA: number;
  bytesB: number;
}

export interface PhaseDiff {
  name: string;
  /** Ranges of that name in the side's scope (0: absent). */
  countA: number;
  countB: number;
  wallNsA: DurNs;
  wallNsB: DurNs;
  gpuBusyNsA: DurNs;
  gpuBusyNsB: DurNs;
  kernelsA: number;
  kernelsB: number;
  /** The first range of that name on each side (by start; null: absent): where `--align phase:NAME` aligns. */
  firstStartNsA: Ns | null;
  firstStartNsB: Ns | null;
  firstWallNsA: DurNs | null;
  firstWallNsB: DurNs | null;
}

export interface StepDiff {
  index: number;
  kindA: StepKind | null;
  kindB: StepKind | null;
  startNsA: Ns | null;
  startNsB: Ns | null;
  wallNsA: DurNs | null;
  wallNsB: DurNs | null;
  gpuBusyNsA: DurNs | null;
  gpuBusyNsB: DurNs | null;
  kernelsA: number | null;
  kernelsB: number | null;
}

export interface RunComparison {
  a: SideSummary;
  b: SideSummary;
  /** A's median step over B's (2 = B twice as fast); null unless both sides have steps. */
  speedup: number | null;
  /** How much slower B's median step is than A's, in percent (negative: faster); null without steps. */
  slowerPct: number | null;
  phases: PhaseDiff[];
  categories: CategoryDiff[];
  /** Ordered by |deltaNs|, largest first. */
  kernels: KernelDiff[];
  copies: CopyDiff[];
  steps: StepDiff[];
}

interface Side {
  summary: SideSummary;
  steps: StepRecord[];
  kernels: Map<string, Figures>;
  shortNames: Map<string, string>;
  categories: Map<KernelCategory, Figures>;
  copies: Map<string, Figures & { bytes: number }>;
  phases: Map<string, PhaseFigures>;
}

interface PhaseFigures {
  count: number;
  wallNs: number;
  busyNs: number;
  kernels: number;
  firstStartNs: Ns;
  firstWallNs: DurNs;
}

/** Half-open step windows [start, end) of one pid, sorted: a start belongs to the step it falls in. */
class StepWindows {
  private readonly byPid = new Map<number, { s: Float64Array; e: Float64Array }>();
  constructor(steps: StepRecord[]) {
    const lists = new Map<number, StepRecord[]>();
    for (const s of steps) {
      let l = lists.get(s.pid);
      if (!l) lists.set(s.pid, (l = []));
      l.push(s);
    }
    for (const [pid, l] of lists) {
      l.sort((x, y) => x.startNs - y.startNs);
      this.byPid.set(pid, { s: Float64Array.from(l, (x) => x.startNs), e: Float64Array.from(l, (x) => x.endNs) });
    }
  }
  contains(pid: number, t: Ns): boolean {
    const w = this.byPid.get(pid);
    if (!w) return false;
    let lo = 0;
    let hi = w.s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (w.s[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    // Steps may nest or overlap (NVTX ranges); look back over the ones that start before t.
    for (let k = lo - 1; k >= 0 && k >= lo - 8; k--) if (t < w.e[k]) return true;
    return false;
  }
}

function add<K>(m: Map<K, Figures>, key: K, ns: number): void {
  const f = m.get(key);
  if (f) {
    f.count++;
    f.totalNs += ns;
  } else m.set(key, { count: 1, totalNs: ns });
}

/** Top-level phases: NVTX `phase:*` ranges (tp2_decode, llm_*: "phase:decode"), else depth-0 ranges that are not steps. */
function phaseRows(model: TraceModel, inScope: (pid: number) => boolean, stepRows: Set<number>): number[] {
  const N = model.nvtx;
  const named: number[] = [];
  const top: number[] = [];
  for (let i = 0; i < N.count; i++) {
    if (N.style[i] === 2 || N.endNs[i] <= N.startNs[i]) continue;
    if (!inScope(model.threads[N.threadIndex[i]]?.pid ?? -1)) continue;
    const name = model.strings[N.nameId[i]] ?? '';
    if (/^phase[:_ ]/i.test(name)) named.push(i);
    else if (N.depth[i] === 0 && !stepRows.has(i)) top.push(i);
  }
  return named.length ? named : top;
}

function buildSide(input: CompareSideInput, det: StepDetection): Side {
  const { model, file } = input;
  const work = gpuWorkByPid(model);
  const gpuPids = [...work.keys()].filter((p) => (work.get(p)?.count ?? 0) > 0).sort((x, y) => x - y);
  let pid: number | null = input.pid ?? null;
  let note: string | null = null;
  if (pid !== null && !gpuPids.includes(pid) && !det.steps.some((s) => s.pid === pid)) {
    throw new Error(`${file} has no GPU work in process ${pid}; its processes with GPU work are ${gpuPids.join(', ') || 'none'}.`);
  }
  const stepPids = [...new Set(det.steps.map((s) => s.pid))].sort((x, y) => x - y);
  if (pid === null && stepPids.length > 1) {
    pid = stepPids[0];
    note = `${file} has steps in processes ${stepPids.join(', ')}; comparing pid ${pid} (pick another with ${file}#PID).`;
  }
  const inScope = (p: number) => pid === null || p === pid;
  const steps = det.steps.filter((s) => inScope(s.pid));
  const sm = summarizeSteps(steps);
  const windows = new StepWindows(steps);
  const inWindow = steps.length ? (p: number, t: Ns) => inScope(p) && windows.contains(p, t) : (p: number) => inScope(p);

  const kernels = new Map<string, Figures>();
  const shortNames = new Map<string, string>();
  const categories = new Map<KernelCategory, Figures>();
  const K = model.kernels;
  let kernelCount = 0;
  const catOf = new Map<number, KernelCategory>();
  for (let i = 0; i < K.count; i++) {
    if (!inWindow(K.pid[i], K.startNs[i])) continue;
    const id = kernelNameId(model, i);
    const name = model.strings[id] ?? '';
    let cat = catOf.get(id);
    if (cat === undefined) catOf.set(id, (cat = kernelCategory(name)));
    const ns = K.endNs[i] - K.startNs[i];
    add(kernels, name, ns);
    if (!shortNames.has(name)) shortNames.set(name, model.strings[K.shortNameId[i]] ?? name);
    add(categories, cat, ns);
    kernelCount++;
  }
  // CUDA graph executions recorded at graph level (nsys's default) hide their kernels: each replay
  // is one row, named as the timeline names it, so a graph's time is not lost from the comparison.
  const names = nameTable(model);
  const G = model.graphExecs;
  for (let i = 0; i < G.count; i++) {
    if (!inWindow(G.pid[i], G.startNs[i])) continue;
    const ns = G.endNs[i] - G.startNs[i];
    const graphName = names.text(names.graphNameId(G.graphId[i])) ?? '[CUDA graph]';
    add(kernels, graphName, ns);
    shortNames.set(graphName, graphName);
    add(categories, 'kernel', ns);
  }
  const copies = new Map<string, Figures & { bytes: number }>();
  const addCopy = (name: string, ns: number, bytes: number) => {
    const f = copies.get(name);
    if (f) {
      f.count++;
      f.totalNs += ns;
      f.bytes += bytes;
    } else copies.set(name, { count: 1, totalNs: ns, bytes });
  };
  const M = model.memcpy;
  for (let i = 0; i < M.count; i++) {
    if (inWindow(M.pid[i], M.startNs[i]))
      addCopy(names.text(names.memcpyNameId(M.copyKind[i])) ?? '[CUDA memcpy]', M.endNs[i] - M.startNs[i], M.bytes[i]);
  }
  const S = model.memset;
  for (let i = 0; i < S.count; i++) {
    if (inWindow(S.pid[i], S.startNs[i])) addCopy(names.text(names.memsetNameId) ?? '[CUDA memset]', S.endNs[i] - S.startNs[i], S.bytes[i]);
  }

  // Phases: wall, GPU busy of the range's own process, and kernels starting inside.
  const busy = new Map<number, IntervalSet>();
  for (const [p, w] of work) busy.set(p, new IntervalSet(w.startNs, w.endNs));
  const kernelStarts = new Map<number, Float64Array>();
  for (const [p, w] of work) {
    const s: number[] = [];
    for (let q = 0; q < w.count; q++) if (laneOf(w, q) === 'kernel') s.push(w.startNs[q]);
    kernelStarts.set(p, Float64Array.from(s));
  }
  const stepRows = new Set(det.steps.map((s) => s.nvtxIndex).filter((x): x is number => x !== undefined));
  const phases = new Map<string, PhaseFigures>();
  const N = model.nvtx;
  for (const i of phaseRows(model, inScope, stepRows)) {
    const name = model.strings[N.nameId[i]] ?? '';
    const p = model.threads[N.threadIndex[i]]?.pid ?? -1;
    const s = N.startNs[i];
    const e = N.endNs[i];
    const ks = kernelStarts.get(p);
    const f = phases.get(name) ?? { count: 0, wallNs: 0, busyNs: 0, kernels: 0, firstStartNs: s, firstWallNs: e - s };
    if (s < f.firstStartNs) {
      f.firstStartNs = s;
      f.firstWallNs = e - s;
    }
    f.count++;
    f.wallNs += e - s;
    f.busyNs += busy.get(p)?.coveredNs(s, e) ?? 0;
    f.kernels += ks ? lowerBound(ks, e) - lowerBound(ks, s) : 0;
    phases.set(name, f);
  }

  const kernelsSorted = steps.map((s) => s.kernels).sort((x, y) => x - y);
  const decode = steps
    .filter((s) => s.kind === 'decode')
    .map((s) => s.wallNs)
    .sort((x, y) => x - y);
  const summary: SideSummary = {
    file,
    pid,
    gpuPids,
    window: steps.length ? 'steps' : 'trace',
    steps: {
      source: steps.length ? det.source : 'none',
      description: det.description,
      count: sm.count,
      wallMedianNs: sm.wallMedianNs,
      wallP90Ns: sm.wallP90Ns,
      decodeMedianNs: decode.length ? percentileOfSorted(decode, 50) : null,
      kernelsMedian: kernelsSorted.length ? percentileOfSorted(kernelsSorted, 50) : null,
      gpuBusyFraction: sm.gpuBusyFraction,
    },
    kernels: kernelCount,
    note,
  };
  return { summary, steps, kernels, shortNames, categories, copies, phases };
}

function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function figures(a: Figures | undefined, b: Figures | undefined, stepsA: number, stepsB: number): DiffFigures {
  const countA = a?.count ?? 0;
  const countB = b?.count ?? 0;
  const totalNsA = a?.totalNs ?? 0;
  const totalNsB = b?.totalNs ?? 0;
  const perStepNsA = stepsA ? totalNsA / stepsA : null;
  const perStepNsB = stepsB ? totalNsB / stepsB : null;
  return {
    countA,
    countB,
    totalNsA,
    totalNsB,
    perStepCountA: stepsA ? countA / stepsA : null,
    perStepCountB: stepsB ? countB / stepsB : null,
    perStepNsA,
    perStepNsB,
    meanNsA: countA ? totalNsA / countA : null,
    meanNsB: countB ? totalNsB / countB : null,
    deltaNs: perStepNsA !== null && perStepNsB !== null ? perStepNsB - perStepNsA : totalNsB - totalNsA,
    status: countA && countB ? 'both' : countB ? 'new' : 'removed',
  };
}

const byDelta = (x: DiffFigures, y: DiffFigures) => Math.abs(y.deltaNs) - Math.abs(x.deltaNs);

export function compareRuns(inputA: CompareSideInput, inputB: CompareSideInput, opts: CompareOptions = {}): RunComparison {
  // Rank vs rank of one trace: detect its steps once.
  const detA = detectSteps(inputA.model, opts);
  const detB = inputB.model === inputA.model ? detA : detectSteps(inputB.model, opts);
  const A = buildSide(inputA, detA);
  const B = buildSide(inputB, detB);
  const nA = A.steps.length;
  const nB = B.steps.length;
  const kernels: KernelDiff[] = [...new Set([...A.kernels.keys(), ...B.kernels.keys()])].map((name) => ({
    name,
    shortName: A.shortNames.get(name) ?? B.shortNames.get(name) ?? name,
    category: name.startsWith('[CUDA graph') ? 'kernel' : kernelCategory(name),
    ...figures(A.kernels.get(name), B.kernels.get(name), nA, nB),
  }));
  kernels.sort((x, y) => byDelta(x, y) || x.name.localeCompare(y.name));
  const categories: CategoryDiff[] = KERNEL_CATEGORIES.filter((c) => A.categories.has(c) || B.categories.has(c)).map((category) => ({
    category,
    ...figures(A.categories.get(category), B.categories.get(category), nA, nB),
  }));
  const copies: CopyDiff[] = [...new Set([...A.copies.keys(), ...B.copies.keys()])].sort().map((name) => ({
    name,
    bytesA: A.copies.get(name)?.bytes ?? 0,
    bytesB: B.copies.get(name)?.bytes ?? 0,
    ...figures(A.copies.get(name), B.copies.get(name), nA, nB),
  }));
  const phaseNames = [...new Set([...A.phases.keys(), ...B.phases.keys()])];
  const phases: PhaseDiff[] = phaseNames.map((name) => {
    const a = A.phases.get(name);
    const b = B.phases.get(name);
    return {
      name,
      countA: a?.count ?? 0,
      countB: b?.count ?? 0,
      wallNsA: a?.wallNs ?? 0,
      wallNsB: b?.wallNs ?? 0,
      gpuBusyNsA: a?.busyNs ?? 0,
      gpuBusyNsB: b?.busyNs ?? 0,
      kernelsA: a?.kernels ?? 0,
      kernelsB: b?.kernels ?? 0,
      firstStartNsA: a?.firstStartNs ?? null,
      firstStartNsB: b?.firstStartNs ?? null,
      firstWallNsA: a?.firstWallNs ?? null,
      firstWallNsB: b?.firstWallNs ?? null,
    };
  });
  const steps: StepDiff[] = [];
  for (let k = 0; k < Math.max(nA, nB); k++) {
    const a = A.steps[k];
    const b = B.steps[k];
    steps.push({
      index: k,
      kindA: a?.kind ?? null,
      kindB: b?.kind ?? null,
      startNsA: a?.startNs ?? null,
      startNsB: b?.startNs ?? null,
      wallNsA: a?.wallNs ?? null,
      wallNsB: b?.wallNs ?? null,
      gpuBusyNsA: a?.gpuBusyNs ?? null,
      gpuBusyNsB: b?.gpuBusyNs ?? null,
      kernelsA: a?.kernels ?? null,
      kernelsB: b?.kernels ?? null,
    });
  }
  const ma = A.summary.steps.wallMedianNs;
  const mb = B.summary.steps.wallMedianNs;
  const both = nA > 0 && nB > 0 && ma > 0 && mb > 0;
  return {
    a: A.summary,
    b: B.summary,
    speedup: both ? ma / mb : null,
    slowerPct: both ? ((mb - ma) / ma) * 100 : null,
    phases,
    categories,
    kernels,
    copies,
    steps,
  };
}
