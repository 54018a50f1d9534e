import { buildCorrelation, type CorrelationIndex } from '../model/correlation';
import { NvtxStyle, type DurNs, type Ns, type TraceModel } from '../model/types';
import {
  detectSteps,
  threadApiOf,
  GPU_BOUND_BUSY,
  CPU_BOUND_BUSY,
  type StepDetection,
  type StepKind,
  type StepVerdict,
} from './detect-steps';
import { busyOf, gpuWorkByPid, type GpuWorkList } from './gpu-work';
import { GPU_WORK_KINDS } from '../model/gpu-work';
import { IntervalSet } from './interval-set';

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
  /** The gaps as objects, built on first use (gapColumns holds the same, as columns). */
  readonly gaps: IdleGap[];
  gapColumns: IdleGapColumns;
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
export interface IdleGapColumns {
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

  /** Starts gap `count` (causes zeroed); finish it with `end()`. */
  begin(pid: number, startNs: Ns, endNs: Ns): number {
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
    this.pid[g] = pid;
    this.startNs[g] = startNs;
    this.endNs[g] = endNs;
    this.launchTid[g] = -1;
    this.apiStart[g] = this.apiCount;
    return g;
  }

  end(): void {
    this.count++;
    this.apiStart[this.count] = this.apiCount;
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

  finish(rowsOfPid: Map<number, [number, number]>): IdleGapColumns {
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
      rowsOfPid,
    };
  }
}

function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

interface ThreadCalls {
  /** The thread's CUDA API calls, by start (the model's track order). */
  s: Float64Array;
  e: Float64Array;
  nameId: Int32Array;
  sync: Uint8Array;
  osrt: IntervalSet | null;
}

/** CUDA API calls (threadApiOf, shared with steps) and OS-runtime time per thread index. */
function threadCalls(model: TraceModel): (ThreadCalls | undefined)[] {
  const api = threadApiOf(model);
  const out: (ThreadCalls | undefined)[] = new Array(model.threads.length);
  const o = model.osrt;
  const none = new Float64Array(0);
  api.forEach((c, t) => {
    if (c) out[t] = { ...c, osrt: null };
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
    (out[t] ??= { s: none, e: none, nameId: new Int32Array(0), sync: new Uint8Array(0), osrt: null }).osrt = new IntervalSet(s, e);
  }
  return out;
}

/** Splits [w0, w1] of one thread's time into launch / host-wait / cpu (gap g's causes), adding API time per name. */
function splitThreadTime(tc: ThreadCalls | undefined, w0: Ns, w1: Ns, b: GapBuilder, g: number): void {
  if (w1 <= w0) return;
  const into = b.causeNs;
  const at = g * NCAUSES;
  if (!tc) {
    into[at + CPU] += w1 - w0;
    return;
  }
  const { s, e, nameId, sync, osrt } = tc;
  // API calls on one thread nest at most (runtime over driver); take the outermost by skipping calls
  // that start inside the previous one.
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (s[m] <= w0) lo = m + 1;
    else hi = m;
  }
  let k = Math.max(0, lo - 1);
  while (k > 0 && e[k - 1] > w0) k--;
  let cur = w0;
  let inApi = 0;
  // OS-runtime time outside CUDA calls is a host wait too.
  let osrtOnly = osrt ? osrt.coveredNs(w0, w1) : 0;
  for (; k < s.length && s[k] < w1; k++) {
    const a = Math.max(cur, s[k]);
    const bEnd = Math.min(w1, e[k]);
    if (bEnd <= a) continue;
    const d = bEnd - a;
    if (sync[k]) into[at + HOST_WAIT] += d;
    else {
      into[at + LAUNCH] += d;
      b.addApi(nameId[k], d);
    }
    inApi += d;
    if (osrt) osrtOnly -= osrt.coveredNs(a, bEnd);
    cur = bEnd;
  }
  into[at + HOST_WAIT] += osrtOnly;
  into[at + CPU] += w1 - w0 - inApi - osrtOnly;
}

/** Gaps of each process's GPU work between its first and last work item, explained. */
export function idleGapColumns(model: TraceModel, work: ReadonlyMap<number, GpuWorkList>, corr: CorrelationIndex): IdleGapColumns {
  const calls = threadCalls(model);
  const A = model.api;
  const b = new GapBuilder();
  const rowsOfPid = new Map<number, [number, number]>();
  const apiOfKind = GPU_WORK_KINDS.map((k) => corr.apiRows(k));
  for (const [pid, w] of work) {
    const from = b.count;
    let busyEnd = w.count ? w.endNs[0] : 0;
    for (let p = 1; p < w.count; p++) {
      const s = w.startNs[p];
      if (s <= busyEnd) {
        if (w.endNs[p] > busyEnd) busyEnd = w.endNs[p];
        continue;
      }
      const g = b.begin(pid, busyEnd, s);
      const at = g * NCAUSES;
      const a = apiOfKind[w.kind[p]][w.index[p]];
      if (a < 0) b.causeNs[at + UNKNOWN] = s - busyEnd;
      else {
        const t = A.threadIndex[a];
        b.launchTid[g] = model.threads[t]?.tid ?? -1;
        if (A.endNs[a] <= busyEnd) b.causeNs[at + GPU_WAIT] = s - busyEnd;
        else {
          const launchFrom = Math.max(busyEnd, A.startNs[a]);
          // From the launch call's start to the GPU start: the launch itself and its latency.
          b.causeNs[at + LAUNCH] += s - launchFrom;
          b.addApi(A.nameId[a], s - launchFrom);
          splitThreadTime(calls[t], busyEnd, launchFrom, b, g);
        }
      }
      b.end();
      busyEnd = w.endNs[p];
    }
    rowsOfPid.set(pid, [from, b.count]);
  }
  return b.finish(rowsOfPid);
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

/** Gaps are the model's alone (not the steps'): one computation per model, shared by every analysis. */
const gapCache = new WeakMap<TraceModel, IdleGapColumns>();

export function idleGapsOf(model: TraceModel): IdleGapColumns {
  let c = gapCache.get(model);
  if (!c) gapCache.set(model, (c = idleGapColumns(model, gpuWorkByPid(model), buildCorrelation(model))));
  return c;
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

function breakdown(
  scope: string,
  scopeKind: IdleBreakdown['scopeKind'],
  windows: { pid: number; startNs: Ns; endNs: Ns }[],
  gaps: IdleGapColumns,
  work: ReadonlyMap<number, GpuWorkList>,
  model: TraceModel,
  what: string,
): IdleBreakdown {
  const cause = new Float64Array(NCAUSES);
  // API time per name id, dense (no Map per gap entry); `named` keeps first-seen order for the ties.
  const apiTotals = new Float64Array(maxApiNameId(gaps) + 1);
  const seen = new Uint8Array(apiTotals.length);
  const named: number[] = [];
  const longest: IdleBreakdown['longestGaps'] = [];
  const { startNs: gs, endNs: ge, causeNs, apiStart, apiNameId, apiNs } = gaps;
  let wallNs = 0;
  let busyNs = 0;
  let gapCount = 0;
  for (const w of windows) {
    wallNs += w.endNs - w.startNs;
    const list = work.get(w.pid);
    busyNs += list ? busyOf(list).coveredNs(w.startNs, w.endNs) : 0;
    const rows = gaps.rowsOfPid.get(w.pid);
    if (!rows) continue;
    // gaps are sorted by start: find the first that ends after the window start
    let lo = rows[0];
    let hi = rows[1];
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (ge[m] <= w.startNs) lo = m + 1;
      else hi = m;
    }
    for (let g = lo; g < rows[1] && gs[g] < w.endNs; g++) {
      const len = ge[g] - gs[g];
      const part = Math.min(w.endNs, ge[g]) - Math.max(w.startNs, gs[g]);
      if (part <= 0) continue;
      gapCount++;
      const at = g * NCAUSES;
      // A gap cut by the window keeps its proportions.
      for (let c = 0; c < NCAUSES; c++) cause[c] += (causeNs[at + c] * part) / len;
      for (let k = apiStart[g]; k < apiStart[g + 1]; k++) {
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
        longest.push({ pid: gaps.pid[g], startNs: Math.max(w.startNs, gs[g]), endNs: Math.min(w.endNs, ge[g]), cause: IDLE_CAUSES[top] });
        longest.sort((x, y) => y.endNs - y.startNs - (x.endNs - x.startNs) || x.startNs - y.startNs);
        if (longest.length > 10) longest.pop();
      }
    }
  }
  const byCause = zero();
  IDLE_CAUSES.forEach((c, k) => (byCause[c] = Math.round(cause[k])));
  const topApis = named
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
    gapCount,
    byCause,
    topApis,
    longestGaps: longest,
    verdict: idleVerdict(busyNs, wallNs, byCause),
  };
  return { ...base, evidence: evidenceSentence(base, what) };
}

function maxApiNameId(gaps: IdleGapColumns): number {
  let m = -1;
  for (let k = 0; k < gaps.apiNameId.length; k++) if (gaps.apiNameId[k] > m) m = gaps.apiNameId[k];
  return m;
}

/** Top-level phases: NVTX `phase:*` ranges when the trace has them, else depth-0 ranges named like a phase. */
function phaseWindows(model: TraceModel): Map<string, { pid: number; startNs: Ns; endNs: Ns }[]> {
  const N = model.nvtx;
  const out = new Map<string, { pid: number; startNs: Ns; endNs: Ns }[]>();
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
}

export function attributeIdle(model: TraceModel, opts: IdleOptions = {}): IdleAttribution {
  const corr = opts.correlation ?? buildCorrelation(model);
  const det = opts.steps ?? detectSteps(model, { correlation: corr, work: opts.work });
  const work = opts.work ?? gpuWorkByPid(model);
  const own = corr === buildCorrelation(model) && work === gpuWorkByPid(model);
  const gaps = own ? idleGapsOf(model) : idleGapColumns(model, work, corr);
  const runWindows = [...work.values()]
    .filter((w) => w.count)
    .map((w) => {
      let end = 0;
      for (let p = 0; p < w.count; p++) end = Math.max(end, w.endNs[p]);
      return { pid: w.pid, startNs: w.startNs[0], endNs: end };
    });
  const run = breakdown('run', 'run', runWindows, gaps, work, model, 'the run (first to last GPU work)');
  const kinds: StepKind[] = ['prefill', 'decode', 'step'];
  const byStepKind = kinds
    .map((k) => ({ k, steps: det.steps.filter((s) => s.kind === k) }))
    .filter((x) => x.steps.length)
    .map(({ k, steps }) =>
      breakdown(
        k,
        'step-kind',
        steps,
        gaps,
        work,
        model,
        `${k === 'step' ? 'the steps' : k} (${steps.length} step${steps.length === 1 ? '' : 's'})`,
      ),
    );
  const byPhase = [...phaseWindows(model)].map(([name, w]) => breakdown(name, 'phase', w, gaps, work, model, name));
  let objects: IdleGap[] | undefined;
  return {
    get gaps() {
      return (objects ??= gapObjects(gaps));
    },
    gapColumns: gaps,
    run,
    byStepKind,
    byPhase,
  };
}
