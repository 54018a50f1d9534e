import { buildCorrelation, type CorrelationIndex } from '../model/correlation';
import { NvtxStyle, type DurNs, type Ns, type TraceModel } from '../model/types';
import {
  detectSteps,
  isSyncCall,
  threadApiOf,
  GPU_BOUND_BUSY,
  CPU_BOUND_BUSY,
  type StepDetection,
  type ThreadApi,
  type StepKind,
  type StepVerdict,
} from './detect-steps';
import { busyOf, gpuWorkByPid, type GpuWorkList } from './gpu-work';
import { GPU_WORK_KINDS } from '../model/gpu-work';
import { IntervalSet } from './interval-set';
import { upperBound } from '../util/sorted-search';

/**
 * Why the GPU was idle: every gap between a process's GPU work is explained from the thread that
 * launched the work ending the gap (found by API correlation on pid + correlationId):
 *  - launch:    that thread was inside CUDA API calls (cudaLaunchKernel & co., the launch itself and
 *               its way to the GPU): launch-bound;
 *  - host-wait: it was blocked in a synchronize or blocking copy, or in an OS-runtime call (poll,
 *               futex, …);
 *  - cpu:       it was doing other CPU work (Python, sampling, scheduling): no CUDA or OS call traced;
 *  - gpu-wait:  the work had been submitted before the GPU went idle, so the GPU itself waited (on a
 *               copy, an event, another stream);
 *  - unknown:   the next work has no correlated launch call (not traced).
 * Figures are per gap, per step kind (prefill/decode) and per NVTX phase (`phase:*` ranges, else
 * top-level ranges), each with a verdict and the sentence that justifies it.
 */

export type IdleCause = 'launch' | 'host-wait' | 'cpu' | 'gpu-wait' | 'unknown';
export const IDLE_CAUSES: readonly IdleCause[] = ['launch', 'host-wait', 'cpu', 'gpu-wait', 'unknown'];
/** How the evidence sentence names each cause: after "the launching thread was", and short. */
export const IDLE_CAUSE_LABELS: Record<IdleCause, { long: string; short: string }> = {
  launch: { long: 'the launching thread was inside CUDA API calls', short: 'CUDA API calls' },
  'host-wait': { long: 'the launching thread was blocked in a sync, copy or OS call', short: 'sync/copy/OS waits' },
  cpu: { long: 'the launching thread was doing other CPU work (Python, sampling, scheduling)', short: 'other CPU work' },
  'gpu-wait': { long: 'the GPU waited on a copy or event with the work already queued', short: 'GPU waiting on copies/events' },
  unknown: { long: 'the next GPU work had no traced launch call', short: 'untraced launches' },
};

export type CauseNs = Record<IdleCause, DurNs>;

export interface IdleGap {
  pid: number;
  startNs: Ns;
  endNs: Ns;
  /** tid of the thread that launched the work ending the gap (-1 when unknown). */
  launchTid: number;
  ns: CauseNs;
  /** CUDA API calls [name id, ns] the launching thread was in during the gap (the 'launch' part; a name may repeat). */
  apiNs: [number, DurNs][];
}

export interface IdleBreakdown {
  /** 'run', a step kind ('prefill', 'decode', 'step') or an NVTX phase name. */
  scope: string;
  scopeKind: 'run' | 'step-kind' | 'phase';
  wallNs: DurNs;
  busyNs: DurNs;
  idleNs: DurNs;
  gapCount: number;
  byCause: CauseNs;
  /** CUDA API calls the launching threads were in during idle time, longest first (at most 5). */
  topApis: { name: string; ns: DurNs }[];
  /** The longest gaps inside the scope (clipped to it), longest first (at most 10): where to look. */
  longestGaps: { pid: number; startNs: Ns; endNs: Ns; cause: IdleCause }[];
  verdict: StepVerdict;
  evidence: string;
}

export interface IdleAttribution {
  /** The gaps as objects, computed again on first use: the breakdowns do not keep them (issue 15). */
  readonly gaps: IdleGap[];
  run: IdleBreakdown;
  byStepKind: IdleBreakdown[];
  byPhase: IdleBreakdown[];
}

const zero = (): CauseNs => ({ launch: 0, 'host-wait': 0, cpu: 0, 'gpu-wait': 0, unknown: 0 });

// Columns of causeNs, in IDLE_CAUSES order.
const LAUNCH = 0;
const HOST_WAIT = 1;
const CPU = 2;
const GPU_WAIT = 3;
const UNKNOWN = 4;
const NCAUSES = 5;

/**
 * Every idle gap of a model as columns, one row per gap: grouped by pid (in gpuWorkByPid's pid
 * order), sorted by start within a pid. many_kernels has ~500k gaps (3M at ×6): one object (plus
 * a cause record and an API list) per gap cost ~1.5 s of a 4.6 s summary, mostly in the collector.
 */
interface IdleGapColumns {
  count: number;
  pid: Int32Array;
  startNs: Float64Array;
  endNs: Float64Array;
  launchTid: Int32Array;
  /** ns per cause, IDLE_CAUSES order: gap g at [5g, 5g + 5). */
  causeNs: Float64Array;
  /** The CUDA API calls of gap g (IdleGap.apiNs): entries apiStart[g] .. apiStart[g + 1] - 1. */
  apiStart: Int32Array;
  apiNameId: Int32Array;
  apiNs: Float64Array;
  /** pid → its rows [from, to). */
  rowsOfPid: Map<number, [number, number]>;
}

/**
 * One gap while it is explained: its causes and the CUDA API calls of its 'launch' part. The
 * generator reuses one scratch for every gap, so the breakdowns are summed gap by gap without
 * keeping the gaps (3M at ×6 many_kernels: 260 MB as columns).
 */
class GapScratch {
  pid = 0;
  startNs = 0;
  endNs = 0;
  launchTid = -1;
  /** ns per cause, IDLE_CAUSES order. */
  causeNs = new Float64Array(NCAUSES);
  apiCount = 0;
  apiNameId = new Int32Array(64);
  apiNs = new Float64Array(64);

  begin(pid: number, startNs: Ns, endNs: Ns): void {
    this.pid = pid;
    this.startNs = startNs;
    this.endNs = endNs;
    this.launchTid = -1;
    this.causeNs.fill(0);
    this.apiCount = 0;
  }

  addApi(nameId: number, ns: DurNs): void {
    const k = this.apiCount++;
    if (k === this.apiNameId.length) {
      this.apiNameId = grow(this.apiNameId, new Int32Array(2 * k));
      this.apiNs = grow(this.apiNs, new Float64Array(2 * k));
    }
    this.apiNameId[k] = nameId;
    this.apiNs[k] = ns;
  }
}

/** Appends gaps to growable typed arrays (the gap count is known only at the end). */
class GapBuilder {
  count = 0;
  pid = new Int32Array(1024);
  startNs = new Float64Array(1024);
  endNs = new Float64Array(1024);
  launchTid = new Int32Array(1024);
  causeNs = new Float64Array(1024 * NCAUSES);
  apiStart = new Int32Array(1025);
  apiCount = 0;
  apiNameId = new Int32Array(1024);
  apiNs = new Float64Array(1024);
  rowsOfPid = new Map<number, [number, number]>();
  /** The pid whose gaps are being added (startPid), and its first gap's row. */
  private pidNow: number | null = null;
  private pidFrom = 0;

  /** Closes the previous pid's rows and starts `pid`'s (a pid without gaps gets an empty range). */
  startPid(pid: number): void {
    this.closePid();
    this.pidNow = pid;
    this.pidFrom = this.count;
  }

  private closePid(): void {
    if (this.pidNow !== null) this.rowsOfPid.set(this.pidNow, [this.pidFrom, this.count]);
  }

  add(x: GapScratch): void {
    const g = this.count;
    if (g === this.pid.length) {
      const n = 2 * g;
      this.pid = grow(this.pid, new Int32Array(n));
      this.startNs = grow(this.startNs, new Float64Array(n));
      this.endNs = grow(this.endNs, new Float64Array(n));
      this.launchTid = grow(this.launchTid, new Int32Array(n));
      this.causeNs = grow(this.causeNs, new Float64Array(n * NCAUSES));
      this.apiStart = grow(this.apiStart, new Int32Array(n + 1));
    }
    this.pid[g] = x.pid;
    this.startNs[g] = x.startNs;
    this.endNs[g] = x.endNs;
    this.launchTid[g] = x.launchTid;
    this.causeNs.set(x.causeNs, g * NCAUSES);
    this.apiStart[g] = this.apiCount;
    for (let k = 0; k < x.apiCount; k++) {
      const q = this.apiCount++;
      if (q === this.apiNameId.length) {
        this.apiNameId = grow(this.apiNameId, new Int32Array(2 * q));
        this.apiNs = grow(this.apiNs, new Float64Array(2 * q));
      }
      this.apiNameId[q] = x.apiNameId[k];
      this.apiNs[q] = x.apiNs[k];
    }
    this.count++;
    this.apiStart[this.count] = this.apiCount;
  }

  finish(): IdleGapColumns {
    this.closePid();
    const n = this.count;
    return {
      count: n,
      pid: this.pid.slice(0, n),
      startNs: this.startNs.slice(0, n),
      endNs: this.endNs.slice(0, n),
      launchTid: this.launchTid.slice(0, n),
      causeNs: this.causeNs.slice(0, n * NCAUSES),
      apiStart: this.apiStart.slice(0, n + 1),
      apiNameId: this.apiNameId.slice(0, this.apiCount),
      apiNs: this.apiNs.slice(0, this.apiCount),
      rowsOfPid: this.rowsOfPid,
    };
  }
}

function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

interface ThreadCalls {
  /** The thread's CUDA API calls: rows of model.api by start (its track; threadApiOf), or null. */
  rows: Int32Array | null;
  osrt: IntervalSet | null;
}

/** CUDA API calls (threadApiOf, shared with steps) and OS-runtime time per thread index. */
function threadCalls(model: TraceModel, api: ThreadApi): (ThreadCalls | undefined)[] {
  const out: (ThreadCalls | undefined)[] = new Array(model.threads.length);
  const o = model.osrt;
  api.rows.forEach((rows, t) => {
    if (rows) out[t] = { rows, osrt: null };
  });
  for (const tr of model.tracks) {
    const idx = tr.indices;
    if (tr.lane !== 'osrt' || tr.tid === undefined || !idx.length) continue;
    const n = idx.length;
    const s = new Float64Array(n);
    const e = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      s[k] = o.startNs[idx[k]];
      e[k] = o.endNs[idx[k]];
    }
    const t = o.threadIndex[idx[0]];
    (out[t] ??= { rows: null, osrt: null }).osrt = new IntervalSet(s, e);
  }
  return out;
}

const EMPTY_ROWS = new Int32Array(0);

/** Splits [w0, w1] of one thread's time into launch / host-wait / cpu (the gap's causes), adding API time per name. */
function splitThreadTime(model: TraceModel, api: ThreadApi, tc: ThreadCalls | undefined, w0: Ns, w1: Ns, b: GapScratch): void {
  if (w1 <= w0) return;
  const into = b.causeNs;
  if (!tc) {
    into[CPU] += w1 - w0;
    return;
  }
  const { osrt } = tc;
  const rows = tc.rows ?? EMPTY_ROWS;
  const A = model.api;
  // API calls on one thread nest at most (runtime over driver); take the outermost by skipping calls
  // that start inside the previous one.
  let k = Math.max(0, upperBound(rows.length, (p) => A.startNs[rows[p]], w0) - 1);
  while (k > 0 && A.endNs[rows[k - 1]] > w0) k--;
  let cur = w0;
  let inApi = 0;
  // OS-runtime time outside CUDA calls is a host wait too.
  let osrtOnly = osrt ? osrt.coveredNs(w0, w1) : 0;
  for (; k < rows.length && A.startNs[rows[k]] < w1; k++) {
    const i = rows[k];
    const a = Math.max(cur, A.startNs[i]);
    const bEnd = Math.min(w1, A.endNs[i]);
    if (bEnd <= a) continue;
    const d = bEnd - a;
    if (isSyncCall(model, api, i)) into[HOST_WAIT] += d;
    else {
      into[LAUNCH] += d;
      b.addApi(A.nameId[i], d);
    }
    inApi += d;
    if (osrt) osrtOnly -= osrt.coveredNs(a, bEnd);
    cur = bEnd;
  }
  into[HOST_WAIT] += osrtOnly;
  into[CPU] += w1 - w0 - inApi - osrtOnly;
}

/**
 * Every gap of each process's GPU work between its first and last work item, explained, in order:
 * pids in `work`'s order, by start within a pid. `onPid` is told each pid before its gaps; the
 * scratch handed to `onGap` is reused for the next gap.
 */
function forEachGap(
  model: TraceModel,
  work: ReadonlyMap<number, GpuWorkList>,
  corr: CorrelationIndex,
  onPid: (pid: number) => void,
  onGap: (g: GapScratch) => void,
): void {
  const api = threadApiOf(model);
  const calls = threadCalls(model, api);
  const A = model.api;
  const b = new GapScratch();
  const apiOfKind = GPU_WORK_KINDS.map((k) => corr.apiRows(k));
  for (const [pid, w] of work) {
    onPid(pid);
    let busyEnd = w.count ? w.endNs[0] : 0;
    for (let p = 1; p < w.count; p++) {
      const s = w.startNs[p];
      if (s <= busyEnd) {
        if (w.endNs[p] > busyEnd) busyEnd = w.endNs[p];
        continue;
      }
      b.begin(pid, busyEnd, s);
      const a = apiOfKind[w.kind[p]][w.index[p]];
      if (a < 0) b.causeNs[UNKNOWN] = s - busyEnd;
      else {
        const t = A.threadIndex[a];
        b.launchTid = model.threads[t]?.tid ?? -1;
        if (A.endNs[a] <= busyEnd) b.causeNs[GPU_WAIT] = s - busyEnd;
        else {
          const launchFrom = Math.max(busyEnd, A.startNs[a]);
          // From the launch call's start to the GPU start: the launch itself and its latency.
          b.causeNs[LAUNCH] += s - launchFrom;
          b.addApi(A.nameId[a], s - launchFrom);
          splitThreadTime(model, api, calls[t], busyEnd, launchFrom, b);
        }
      }
      onGap(b);
      busyEnd = w.endNs[p];
    }
  }
}

/** Gaps of each process's GPU work between its first and last work item, explained (as columns). */
function idleGapColumns(model: TraceModel, work: ReadonlyMap<number, GpuWorkList>, corr: CorrelationIndex): IdleGapColumns {
  const b = new GapBuilder();
  forEachGap(
    model,
    work,
    corr,
    (pid) => b.startPid(pid),
    (g) => b.add(g),
  );
  return b.finish();
}

/** The gaps as objects (IdleAttribution.gaps), built when asked for. */
function gapObjects(c: IdleGapColumns): IdleGap[] {
  const out: IdleGap[] = new Array(c.count);
  for (let g = 0; g < c.count; g++) {
    const at = g * NCAUSES;
    const apiNs: [number, DurNs][] = [];
    for (let k = c.apiStart[g]; k < c.apiStart[g + 1]; k++) apiNs.push([c.apiNameId[k], c.apiNs[k]]);
    out[g] = {
      pid: c.pid[g],
      startNs: c.startNs[g],
      endNs: c.endNs[g],
      launchTid: c.launchTid[g],
      ns: {
        launch: c.causeNs[at + LAUNCH],
        'host-wait': c.causeNs[at + HOST_WAIT],
        cpu: c.causeNs[at + CPU],
        'gpu-wait': c.causeNs[at + GPU_WAIT],
        unknown: c.causeNs[at + UNKNOWN],
      },
      apiNs,
    };
  }
  return out;
}

/** Gaps of each process's GPU work between its first and last work item, explained (as objects). */
export function idleGaps(model: TraceModel, work: ReadonlyMap<number, GpuWorkList>, corr: CorrelationIndex): IdleGap[] {
  return gapObjects(idleGapColumns(model, work, corr));
}

function pct(part: number, whole: number): string {
  return `${whole > 0 ? Math.round((100 * part) / whole) : 0}%`;
}

export function idleVerdict(busyNs: number, wallNs: number, byCause: CauseNs): StepVerdict {
  const busy = wallNs > 0 ? busyNs / wallNs : 0;
  if (busy >= GPU_BOUND_BUSY) return 'gpu-bound';
  const idle = IDLE_CAUSES.reduce((s, c) => s + byCause[c], 0);
  const host = byCause.launch + byCause.cpu + byCause['host-wait'];
  if (busy < CPU_BOUND_BUSY && host >= 0.5 * idle) return 'cpu-bound';
  return 'balanced';
}

/** "cpu-bound: GPU busy 2% of decode (47 steps); during 82% of the idle time the launching thread was inside CUDA API calls (cudaLaunchKernel 60%); …" */
export function evidenceSentence(b: Omit<IdleBreakdown, 'evidence'>, what: string): string {
  const idle = b.idleNs;
  const head = `${b.verdict}: GPU busy ${pct(b.busyNs, b.wallNs)} of ${what}`;
  if (idle <= 0) return `${head}; no idle time`;
  const order = [...IDLE_CAUSES].filter((c) => b.byCause[c] >= 0.005 * idle).sort((x, y) => b.byCause[y] - b.byCause[x]);
  const parts = order.map((c, k) => {
    const api = c === 'launch' && b.topApis.length ? ` (${b.topApis[0].name} ${pct(b.topApis[0].ns, idle)})` : '';
    return k === 0
      ? `during ${pct(b.byCause[c], idle)} of the idle time ${IDLE_CAUSE_LABELS[c].long}${api}`
      : `${pct(b.byCause[c], idle)} ${IDLE_CAUSE_LABELS[c].short}${api}`;
  });
  return `${head}; ${parts.join(', ')}`;
}

type Window = { pid: number; startNs: Ns; endNs: Ns };

/**
 * The sums of one scope (the run, a step kind, a phase) over the gaps that meet its windows. Gaps
 * are added window by window, each window's gaps by start: with the causes scaled by the part of
 * the gap inside the window these are float sums, so the order of additions is part of the figures.
 */
class ScopeSums {
  readonly cause = new Float64Array(NCAUSES);
  // API time per name id, dense (no Map per gap entry); `named` keeps first-seen order for the ties.
  readonly apiTotals: Float64Array;
  readonly seen: Uint8Array;
  readonly named: number[] = [];
  readonly longest: IdleBreakdown['longestGaps'] = [];
  gapCount = 0;

  constructor(apiNameIds: number) {
    this.apiTotals = new Float64Array(apiNameIds);
    this.seen = new Uint8Array(apiNameIds);
  }

  /** Gap [gs, ge] of `pid` met by window w; its causes at causeNs[at..at+5), its API calls apiNameId/apiNs[k0..k1). */
  add(
    w: Window,
    pid: number,
    gs: Ns,
    ge: Ns,
    causeNs: Float64Array,
    at: number,
    apiNameId: Int32Array,
    apiNs: Float64Array,
    k0: number,
    k1: number,
  ): void {
    const len = ge - gs;
    const part = Math.min(w.endNs, ge) - Math.max(w.startNs, gs);
    if (part <= 0) return;
    this.gapCount++;
    const { cause, seen, named, apiTotals, longest } = this;
    // A gap cut by the window keeps its proportions.
    for (let c = 0; c < NCAUSES; c++) cause[c] += (causeNs[at + c] * part) / len;
    for (let k = k0; k < k1; k++) {
      const id = apiNameId[k];
      if (!seen[id]) {
        seen[id] = 1;
        named.push(id);
      }
      apiTotals[id] += (apiNs[k] * part) / len;
    }
    if (longest.length < 10 || part > longest[longest.length - 1].endNs - longest[longest.length - 1].startNs) {
      let top = 0;
      for (let c = 1; c < NCAUSES; c++) if (causeNs[at + c] > causeNs[at + top]) top = c;
      longest.push({ pid, startNs: Math.max(w.startNs, gs), endNs: Math.min(w.endNs, ge), cause: IDLE_CAUSES[top] });
      longest.sort((x, y) => y.endNs - y.startNs - (x.endNs - x.startNs) || x.startNs - y.startNs);
      if (longest.length > 10) longest.pop();
    }
  }

  /** Adds the gaps of `gaps` that meet w (window-major: the order the streamed scopes reproduce). */
  addWindow(w: Window, gaps: IdleGapColumns): void {
    const rows = gaps.rowsOfPid.get(w.pid);
    if (!rows) return;
    const { startNs: gs, endNs: ge } = gaps;
    // gaps are sorted by start: find the first that ends after the window start
    let lo = rows[0];
    let hi = rows[1];
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (ge[m] <= w.startNs) lo = m + 1;
      else hi = m;
    }
    for (let g = lo; g < rows[1] && gs[g] < w.endNs; g++)
      this.add(w, gaps.pid[g], gs[g], ge[g], gaps.causeNs, g * NCAUSES, gaps.apiNameId, gaps.apiNs, gaps.apiStart[g], gaps.apiStart[g + 1]);
  }

  result(
    scope: string,
    scopeKind: IdleBreakdown['scopeKind'],
    windows: Window[],
    work: ReadonlyMap<number, GpuWorkList>,
    model: TraceModel,
    what: string,
  ): IdleBreakdown {
    let wallNs = 0;
    let busyNs = 0;
    for (const w of windows) {
      wallNs += w.endNs - w.startNs;
      const list = work.get(w.pid);
      busyNs += list ? busyOf(list).coveredNs(w.startNs, w.endNs) : 0;
    }
    const { apiTotals } = this;
    const byCause = zero();
    IDLE_CAUSES.forEach((c, k) => (byCause[c] = Math.round(this.cause[k])));
    const topApis = this.named
      .map((id): [number, number] => [id, apiTotals[id]])
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([id, ns]) => ({ name: (model.strings[id] ?? '').replace(/_v\d+$/, ''), ns: Math.round(ns) }));
    const idleNs = wallNs - busyNs;
    const base = {
      scope,
      scopeKind,
      wallNs,
      busyNs,
      idleNs,
      gapCount: this.gapCount,
      byCause,
      topApis,
      longestGaps: this.longest,
      verdict: idleVerdict(busyNs, wallNs, byCause),
    };
    return { ...base, evidence: evidenceSentence(base, what) };
  }
}

/**
 * A scope's windows per pid, when adding each gap to the windows it meets (gap by gap) makes the
 * same additions in the same order as window by window: the windows of pids with GPU work come in
 * the gaps' pid order, by start, none overlapping the next and none reversed. Else null (NVTX
 * phases may overlap or come in row order), and the scope is summed from materialised gaps.
 */
function streamableWindows(windows: Window[], pidRank: Map<number, number>): Map<number, Window[]> | null {
  const out = new Map<number, Window[]>();
  let last: Window | null = null;
  let lastRank = -1;
  for (const w of windows) {
    const rank = pidRank.get(w.pid);
    if (rank === undefined) continue; // no GPU work, no gaps: only its wall time counts
    if (!(w.endNs >= w.startNs)) return null;
    if (last && (rank < lastRank || (rank === lastRank && w.startNs < last.endNs))) return null;
    let l = out.get(w.pid);
    if (!l) out.set(w.pid, (l = []));
    l.push(w);
    last = w;
    lastRank = rank;
  }
  return out;
}

/** Top-level phases: NVTX `phase:*` ranges when the trace has them, else depth-0 ranges named like a phase. */
function phaseWindows(model: TraceModel): Map<string, Window[]> {
  const N = model.nvtx;
  const out = new Map<string, Window[]>();
  for (let i = 0; i < N.count; i++) {
    if (N.style[i] === NvtxStyle.Mark || N.endNs[i] <= N.startNs[i]) continue;
    const name = model.strings[N.nameId[i]] ?? '';
    if (!/^phase[:_ ]/i.test(name)) continue;
    let l = out.get(name);
    if (!l) out.set(name, (l = []));
    l.push({ pid: model.threads[N.threadIndex[i]]?.pid ?? -1, startNs: N.startNs[i], endNs: N.endNs[i] });
  }
  return out;
}

export interface IdleOptions {
  correlation?: CorrelationIndex;
  steps?: StepDetection;
  work?: ReadonlyMap<number, GpuWorkList>;
  /**
   * Sum every scope window by window from the gaps as columns, as before gaps were streamed: the
   * order the streamed sums must reproduce (tests compare the two; it holds every gap).
   */
  materialise?: boolean;
}

interface Scope {
  scope: string;
  scopeKind: IdleBreakdown['scopeKind'];
  windows: Window[];
  what: string;
  sums: ScopeSums;
  /** Windows per pid when the scope is summed gap by gap; null: from materialised gaps. */
  byPid: Map<number, Window[]> | null;
  /** The current pid's windows and the first that may still meet a gap. */
  cur: Window[];
  next: number;
}

/**
 * Idle attribution of the run, each step kind and each NVTX phase. The gaps are explained once, in
 * one pass, and each is added to the scopes whose windows it meets; none is kept (issue 15: at ×6
 * many_kernels the gap columns were 260 MB, 480 MB while growing). A scope whose windows overlap
 * or are out of order is summed as before from the gaps as columns, built for it alone.
 */
export function attributeIdle(model: TraceModel, opts: IdleOptions = {}): IdleAttribution {
  const corr = opts.correlation ?? buildCorrelation(model);
  const det = opts.steps ?? detectSteps(model, { correlation: corr, work: opts.work });
  const work = opts.work ?? gpuWorkByPid(model);
  const runWindows = [...work.values()]
    .filter((w) => w.count)
    .map((w) => {
      let end = 0;
      for (let p = 0; p < w.count; p++) end = Math.max(end, w.endNs[p]);
      return { pid: w.pid, startNs: w.startNs[0], endNs: end };
    });
  // API name ids index the per-scope totals: size them by the largest the calls use.
  let maxName = -1;
  const apiNames = model.api.nameId;
  for (let i = 0; i < model.api.count; i++) if (apiNames[i] > maxName) maxName = apiNames[i];
  const pidRank = new Map<number, number>();
  for (const pid of work.keys()) pidRank.set(pid, pidRank.size);
  const scopes: Scope[] = [];
  const scopeOf = (scope: string, scopeKind: Scope['scopeKind'], windows: Window[], what: string): Scope => {
    const s: Scope = {
      scope,
      scopeKind,
      windows,
      what,
      sums: new ScopeSums(maxName + 1),
      byPid: opts.materialise ? null : streamableWindows(windows, pidRank),
      cur: [],
      next: 0,
    };
    scopes.push(s);
    return s;
  };
  const run = scopeOf('run', 'run', runWindows, 'the run (first to last GPU work)');
  const kinds: StepKind[] = ['prefill', 'decode', 'step'];
  const byStepKind = kinds
    .map((k) => ({ k, steps: det.steps.filter((s) => s.kind === k) }))
    .filter((x) => x.steps.length)
    .map(({ k, steps }) =>
      scopeOf(k, 'step-kind', steps, `${k === 'step' ? 'the steps' : k} (${steps.length} step${steps.length === 1 ? '' : 's'})`),
    );
  const byPhase = [...phaseWindows(model)].map(([name, w]) => scopeOf(name, 'phase', w, name));
  const streamed = scopes.filter((s) => s.byPid);
  const materialise = scopes.some((s) => !s.byPid);
  const builder = materialise ? new GapBuilder() : null;
  forEachGap(
    model,
    work,
    corr,
    (pid) => {
      builder?.startPid(pid);
      for (const s of streamed) {
        s.cur = s.byPid?.get(pid) ?? [];
        s.next = 0;
      }
    },
    (g) => {
      builder?.add(g);
      for (const s of streamed) {
        const ws = s.cur;
        // Windows are disjoint and by start, so their ends are sorted too: those ending by this gap's start meet no later gap.
        while (s.next < ws.length && ws[s.next].endNs <= g.startNs) s.next++;
        for (let j = s.next; j < ws.length && ws[j].startNs < g.endNs; j++)
          s.sums.add(ws[j], g.pid, g.startNs, g.endNs, g.causeNs, 0, g.apiNameId, g.apiNs, 0, g.apiCount);
      }
    },
  );
  if (builder) {
    const cols = builder.finish();
    for (const s of scopes) if (!s.byPid) for (const w of s.windows) s.sums.addWindow(w, cols);
  }
  const result = (s: Scope) => s.sums.result(s.scope, s.scopeKind, s.windows, work, model, s.what);
  let objects: IdleGap[] | undefined;
  return {
    get gaps() {
      return (objects ??= idleGaps(model, work, corr));
    },
    run: result(run),
    byStepKind: byStepKind.map(result),
    byPhase: byPhase.map(result),
  };
}
