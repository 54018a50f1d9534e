import { buildCorrelation, type CorrelationIndex } from '../model/correlation';
import { NvtxStyle, type DurNs, type Ns, type TraceModel } from '../model/types';
import { lowerBoundOf, upperBound } from '../util/sorted-search';
import { kernelNameId } from '../stats/kernel-name';
import { kernelCategory } from '../util/kernel-category';
import { busyOf, countRowsByPid, gpuWorkByPid, type GpuWorkList } from './gpu-work';
import { GPU_WORK_KINDS } from '../model/gpu-work';
import { IntervalSet } from './interval-set';

/**
 * Steps: a run split into its iterations (one forward pass / one generated token per decode step),
 * with what the GPU and the launching CPU threads did in each. This is the API the `steps` command,
 * the Steps panel and `diff A B` build on:
 *
 *   const det = detectSteps(model, { stepNvtx: /decode_step/ });
 *   det.steps[i]   // typed per-step record (StepRecord), ordered by pid then time
 *   det.summary    // overall figures and the verdict
 *
 * How steps are found, in order:
 *  1. `stepNvtx` / `stepKernel` when given (a regular expression on NVTX range text / kernel name);
 *  2. NVTX ranges with a repeating numbered name ("decode_step 12", "step 3", "iteration4") — the
 *     outermost such family whose numbers do not repeat (so "layer 3" inside every step is not one) —
 *     or vLLM's `execute_model`;
 *  3. else a pace kernel: a kernel that runs once per forward pass (see choosePaceKernel).
 * Steps are found per process: tensor-parallel ranks each get their own list.
 */

export type StepKind = 'prefill' | 'decode' | 'step';

export interface StepRecord {
  /** Position among the steps of the same pid, from 0. */
  index: number;
  /** NVTX text, or the pace kernel's short name with its occurrence ("nvjet_… #3"). */
  name: string;
  pid: number;
  kind: StepKind;
  startNs: Ns;
  endNs: Ns;
  wallNs: DurNs;
  /** Union of the process's kernels, copies, memsets and graph executions (gpuWorkByPid), clipped to the step. */
  gpuBusyNs: DurNs;
  gpuIdleNs: DurNs;
  /** Kernels of the process that start inside the step. */
  kernels: number;
  /** CPU time of the process's threads inside CUDA runtime/driver calls, clipped to the step. */
  cudaApiNs: DurNs;
  /** Part of cudaApiNs spent in calls that block the host on the GPU (synchronize, blocking memcpy). */
  syncWaitNs: DurNs;
  /** Union of NCCL kernels clipped to the step. */
  ncclNs: DurNs;
  /** API call start → GPU start of the work starting in the step; null when none was correlated. */
  launchLatencyP50Ns: DurNs | null;
  launchLatencyP99Ns: DurNs | null;
  /** Row in model.nvtx when the step is an NVTX range. */
  nvtxIndex?: number;
}

export type StepVerdict = 'cpu-bound' | 'gpu-bound' | 'balanced';

export interface StepSummary {
  count: number;
  wallMedianNs: DurNs;
  wallP90Ns: DurNs;
  wallP99Ns: DurNs;
  /** Median wall time of decode steps (one token per sequence per step); null without decode steps. */
  timePerTokenNs: DurNs | null;
  /** Sum of GPU busy over sum of wall time. */
  gpuBusyFraction: number;
  /** Position in `steps` of the longest step (-1 when none). */
  worstStep: number;
  verdict: StepVerdict;
}

export interface StepDetection {
  source: 'nvtx' | 'kernel' | 'none';
  /** What the steps are, for people: 'NVTX "decode_step N"', 'kernel nvjet_sm90_… (once per pass)'. */
  description: string;
  /** Full names of the kernels that pace the steps (source 'kernel'); empty otherwise. */
  paceKernels: string[];
  steps: StepRecord[];
  summary: StepSummary;
}

export interface StepOptions {
  /** NVTX ranges whose text matches are the steps. */
  stepNvtx?: RegExp;
  /** Kernels whose (demangled or short) name matches pace the steps: each ends a step. */
  stepKernel?: RegExp;
  /** Reuse an existing correlation index (building one costs ~0.8 s per 1M API calls). */
  correlation?: CorrelationIndex;
  /** Reuse gpuWorkByPid(model) when the caller has it. */
  work?: ReadonlyMap<number, GpuWorkList>;
}

/** Busy fraction at or above which the GPU, not the host, sets the pace. */
export const GPU_BOUND_BUSY = 0.85;
/** Busy fraction below which the GPU mostly waits for the host. */
export const CPU_BOUND_BUSY = 0.5;

interface RawStep {
  pid: number;
  name: string;
  kind: StepKind;
  startNs: Ns;
  endNs: Ns;
  nvtxIndex?: number;
}

export function detectSteps(model: TraceModel, opts: StepOptions = {}): StepDetection {
  const work = opts.work ?? gpuWorkByPid(model);
  let found: { source: StepDetection['source']; description: string; raw: RawStep[]; paceKernels?: string[] } | null = null;
  if (opts.stepNvtx) found = nvtxSteps(model, (name) => opts.stepNvtx?.test(name) ?? false, `NVTX /${opts.stepNvtx.source}/`);
  else if (opts.stepKernel) found = kernelSteps(model, work, opts.stepKernel);
  else found = autoNvtxSteps(model) ?? kernelSteps(model, work, null);
  const raw = found?.raw ?? [];
  const steps = measureSteps(model, work, raw, opts.correlation);
  return {
    source: found && raw.length ? found.source : 'none',
    description: found?.description ?? 'no steps found',
    paceKernels: found?.paceKernels ?? [],
    steps,
    summary: summarizeSteps(steps),
  };
}

// ---------------------------------------------------------------------------------------------
// NVTX steps

const NUMBERED = /^(.*?[A-Za-z][^\d]*?)[\s_:#-]*(\d+)$/;
/** Unnumbered NVTX names that mark one iteration: vLLM's model runner. */
const KNOWN_STEP_NAMES = new Set(['execute_model']);

function rangeRows(model: TraceModel): number[] {
  const out: number[] = [];
  const N = model.nvtx;
  for (let i = 0; i < N.count; i++) if (N.style[i] !== NvtxStyle.Mark && N.endNs[i] > N.startNs[i]) out.push(i);
  return out;
}

function autoNvtxSteps(model: TraceModel): { source: 'nvtx'; description: string; raw: RawStep[] } | null {
  const N = model.nvtx;
  interface Family {
    rows: number[];
    numbersByPid: Map<number, Set<string>>;
    depthSum: number;
  }
  const families = new Map<string, Family>();
  for (const i of rangeRows(model)) {
    const text = (model.strings[N.nameId[i]] ?? '').trim();
    const m = NUMBERED.exec(text);
    const key = m ? m[1].trim() : KNOWN_STEP_NAMES.has(text) ? text : null;
    if (!key) continue;
    let f = families.get(key);
    if (!f) families.set(key, (f = { rows: [], numbersByPid: new Map(), depthSum: 0 }));
    f.rows.push(i);
    f.depthSum += N.depth[i];
    const pid = model.threads[N.threadIndex[i]]?.pid ?? -1;
    let nums = f.numbersByPid.get(pid);
    if (!nums) f.numbersByPid.set(pid, (nums = new Set()));
    nums.add(m ? m[2] : String(f.rows.length));
  }
  let best: { key: string; f: Family } | null = null;
  for (const [key, f] of families) {
    if (Math.max(...[...f.numbersByPid.values()].map((s) => s.size)) < 2) continue; // one per process is a worker, not a step
    // Numbers must not repeat within a process: "layer 3" in every step is a layer, not a step.
    let distinct = 0;
    for (const s of f.numbersByPid.values()) distinct += s.size;
    if (distinct < 0.9 * f.rows.length) continue;
    const depth = f.depthSum / f.rows.length;
    const bestDepth = best ? best.f.depthSum / best.f.rows.length : Infinity;
    if (!best || depth < bestDepth - 0.5 || (Math.abs(depth - bestDepth) <= 0.5 && f.rows.length > best.f.rows.length)) best = { key, f };
  }
  if (!best) return null;
  const key = best.key;
  const shown = KNOWN_STEP_NAMES.has(key) ? key : `${key} N`;
  return nvtxSteps(
    model,
    (name) => {
      const t = name.trim();
      const m = NUMBERED.exec(t);
      return m ? m[1].trim() === key : t === key;
    },
    `NVTX "${shown}"`,
  );
}

const PHASE = /prefill|decode/i;

function nvtxSteps(
  model: TraceModel,
  match: (name: string) => boolean,
  description: string,
): { source: 'nvtx'; description: string; raw: RawStep[] } {
  const N = model.nvtx;
  const rows: number[] = [];
  const phases: number[] = [];
  for (const i of rangeRows(model)) {
    const text = model.strings[N.nameId[i]] ?? '';
    if (match(text)) rows.push(i);
    else if (PHASE.test(text)) phases.push(i);
  }
  const raw: RawStep[] = rows.map((i) => {
    const name = model.strings[N.nameId[i]] ?? '';
    // The data says prefill or decode when the range's own name does, or a range enclosing it does
    // (tp2_decode: "decode_step N" inside "phase:decode").
    let kind: StepKind = 'step';
    let label = PHASE.exec(name)?.[0];
    if (!label) {
      for (const p of phases) {
        if (N.threadIndex[p] === N.threadIndex[i] && N.startNs[p] <= N.startNs[i] && N.endNs[p] >= N.endNs[i]) {
          label = PHASE.exec(model.strings[N.nameId[p]] ?? '')?.[0];
          break;
        }
      }
    }
    if (label) kind = label.toLowerCase() === 'prefill' ? 'prefill' : 'decode';
    return { pid: model.threads[N.threadIndex[i]]?.pid ?? -1, name, kind, startNs: N.startNs[i], endNs: N.endNs[i], nvtxIndex: i };
  });
  return { source: 'nvtx', description, raw };
}

// ---------------------------------------------------------------------------------------------
// Pace-kernel steps

/** A forward pass launches at least this many kernels; fewer per interval is not an iteration. */
const MIN_KERNELS_PER_STEP = 4;

/** A multiset hash per kernel name id (sum of per-name pseudo-random values), to compare intervals. */
function nameHash(id: number): number {
  let h = Math.imul(id + 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

interface PidKernels {
  /** Kernel rows of the pid sorted by start. */
  rows: Int32Array;
  nameIds: Int32Array;
}

/**
 * Kernel rows per pid, by start (ties in row order). Typed arrays filled in place, sorted only when
 * the rows are out of order: at ×6 many_kernels (3M kernels) the JS arrays and their sort were
 * 160 MB (issue 15).
 */
function kernelsByPid(model: TraceModel): Map<number, PidKernels> {
  const K = model.kernels;
  const counts = new Map<number, number>();
  countRowsByPid(K.pid, K.count, counts);
  const lists = new Map<number, { rows: Int32Array; fill: number }>();
  for (const [p, n] of counts) lists.set(p, { rows: new Int32Array(n), fill: 0 });
  let pid = NaN;
  let l: { rows: Int32Array; fill: number } | undefined;
  for (let i = 0; i < K.count; i++) {
    if (K.pid[i] !== pid) {
      pid = K.pid[i];
      l = lists.get(pid);
    }
    if (l) l.rows[l.fill++] = i;
  }
  const out = new Map<number, PidKernels>();
  for (const p of [...lists.keys()].sort((a, b) => a - b)) {
    let rows = lists.get(p)!.rows;
    let sorted = true;
    for (let k = 1; k < rows.length && sorted; k++) if (K.startNs[rows[k]] < K.startNs[rows[k - 1]]) sorted = false;
    // A stable sort of the rows in row order, as before: ties keep row order.
    if (!sorted) rows = Int32Array.from(Array.from(rows).sort((a, b) => K.startNs[a] - K.startNs[b]));
    const nameIds = new Int32Array(rows.length);
    for (let k = 0; k < rows.length; k++) nameIds[k] = kernelNameId(model, rows[k]);
    out.set(p, { rows, nameIds });
  }
  return out;
}

interface PaceChoice {
  /** Positions in PidKernels.rows of the pace kernel's occurrences. */
  positions: ArrayLike<number>;
  /** Hash of each step's kernel-name multiset (step k ends at positions[k]). */
  stepHashes: Uint32Array;
  nameId: number;
}

/** Hashes of the kernel-name multisets of the intervals (positions[k-1], positions[k]]; k = 0 starts at the first kernel. */
function intervalHashes(pk: PidKernels, positions: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(positions.length);
  let from = 0;
  for (let k = 0; k < positions.length; k++) {
    const p = positions[k];
    let h = 0;
    for (let q = from; q <= p; q++) h = (h + nameHash(pk.nameIds[q])) >>> 0;
    out[k] = h;
    from = p + 1;
  }
  return out;
}

function modalValue(values: ArrayLike<number>): { value: number; count: number } {
  const counts = new Map<number, number>();
  let best = { value: NaN, count: 0 };
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > best.count) best = { value: v, count: c };
  }
  return best;
}

/**
 * The kernel that runs once per forward pass, chosen from the data. A candidate name occurs n ≥ 3
 * times; the kernels between consecutive occurrences form its intervals. It qualifies when
 *  - at least 80% of its intervals hold the same multiset of kernel names (every decode step of a
 *    model launches the same kernels), with at least MIN_KERNELS_PER_STEP kernels each; and
 *  - no kernel name shows up in 3 or more of the odd intervals yet in none of the typical ones:
 *    a per-layer kernel (12 per pass) has 11 identical layer intervals and one that also holds the
 *    LM head and sampling, in every pass — that one repeats, so the candidate is a layer, not a pass.
 * Of the qualifying names the one with the most typical intervals wins (a kernel every other pass
 * also qualifies, with half as many); then the one with fewer odd intervals (a kernel that also ran
 * during set-up has extra ones: llm_*_capture have a vectorized_elementwise_kernel 50 times); then
 * the one with the fewest kernels after its last occurrence, because a step ends where the pace
 * kernel ends and the LM-head GEMM ends the pass (llm_*_capture: the LM-head nvjet GEMM, 48 per run).
 */
export function choosePaceKernel(pk: PidKernels): PaceChoice | null {
  const n = pk.rows.length;
  // Positions grouped by name (names in first-occurrence order, positions ascending): one Int32Array.
  const slotOf = new Map<number, number>();
  const slotName: number[] = [];
  const slotCount: number[] = [];
  for (let p = 0; p < n; p++) {
    let slot = slotOf.get(pk.nameIds[p]);
    if (slot === undefined) {
      slotOf.set(pk.nameIds[p], (slot = slotName.length));
      slotName.push(pk.nameIds[p]);
      slotCount.push(0);
    }
    slotCount[slot]++;
  }
  const slotStart = new Int32Array(slotName.length + 1);
  for (let k = 0; k < slotName.length; k++) slotStart[k + 1] = slotStart[k] + slotCount[k];
  const fill = slotStart.slice(0, slotName.length);
  const positions = new Int32Array(n);
  for (let p = 0; p < n; p++) positions[fill[slotOf.get(pk.nameIds[p])!]++] = p;
  let best: (PaceChoice & { score: [number, number, number] }) | null = null;
  for (let slot = 0; slot < slotName.length; slot++) {
    const nameId = slotName[slot];
    const pos = positions.subarray(slotStart[slot], slotStart[slot + 1]);
    if (pos.length < 3 || (best && pos.length - 1 < best.score[0])) continue;
    if ((pos[pos.length - 1] - pos[0]) / (pos.length - 1) < MIN_KERNELS_PER_STEP) continue;
    const hashes = intervalHashes(pk, pos);
    const inner = hashes.subarray(1); // intervals between occurrences; the first step also holds what ran before
    const modal = modalValue(inner);
    if (modal.count < 0.8 * inner.length) continue;
    if (!oddIntervalsLookRandom(pk, pos, hashes, modal.value)) continue;
    // More typical passes first, then fewer odd ones (a kernel that also ran twice during set-up
    // adds odd intervals), then the fewest kernels left after the last occurrence.
    const score: [number, number, number] = [modal.count, inner.length - modal.count, n - 1 - pos[pos.length - 1]];
    if (
      !best ||
      score[0] > best.score[0] ||
      (score[0] === best.score[0] && (score[1] < best.score[1] || (score[1] === best.score[1] && score[2] < best.score[2])))
    ) {
      best = { positions: pos, stepHashes: hashes, nameId, score };
    }
  }
  return best;
}

function oddIntervalsLookRandom(pk: PidKernels, pos: ArrayLike<number>, hashes: Uint32Array, modal: number): boolean {
  const inTypical = new Set<number>();
  const oddCount = new Map<number, number>();
  for (let k = 1; k < pos.length; k++) {
    const typical = hashes[k] === modal;
    const seen = new Set<number>();
    for (let q = pos[k - 1] + 1; q <= pos[k]; q++) seen.add(pk.nameIds[q]);
    for (const id of seen) {
      if (typical) inTypical.add(id);
      else oddCount.set(id, (oddCount.get(id) ?? 0) + 1);
    }
  }
  for (const [id, c] of oddCount) if (c >= 3 && !inTypical.has(id)) return false;
  return true;
}

function kernelSteps(
  model: TraceModel,
  work: ReadonlyMap<number, GpuWorkList>,
  pattern: RegExp | null,
): { source: 'kernel'; description: string; raw: RawStep[]; paceKernels: string[] } | null {
  const raw: RawStep[] = [];
  const K = model.kernels;
  const chosen = new Set<string>();
  for (const [pid, pk] of kernelsByPid(model)) {
    let positions: ArrayLike<number>;
    let hashes: Uint32Array;
    if (pattern) {
      const matched: number[] = [];
      positions = matched;
      for (let p = 0; p < pk.rows.length; p++) {
        const i = pk.rows[p];
        const full = model.strings[pk.nameIds[p]] ?? '';
        const short = model.strings[K.shortNameId[i]] ?? '';
        if (pattern.test(full) || pattern.test(short)) matched.push(p);
      }
      if (!positions.length) continue;
      hashes = intervalHashes(pk, positions);
    } else {
      const c = choosePaceKernel(pk);
      if (!c) continue;
      positions = c.positions;
      hashes = c.stepHashes;
    }
    const w = work.get(pid);
    let start = w && w.count > 0 ? w.startNs[0] : K.startNs[pk.rows[0]];
    // Prefill: the first pass differs from the typical one (other GEMM shapes, no KV-cache read) —
    // said only of transformer passes, i.e. when the process runs attention kernels; a stencil code's
    // first iteration also differs (set-up kernels) and is no prefill (corpus: cloverleaf).
    const modal = modalValue(hashes.subarray(1)).value;
    const distinct = new Set(pk.nameIds);
    const transformer = [...distinct].some((id) => kernelCategory(model.strings[id] ?? '') === 'attention');
    const firstDiffers = transformer && positions.length >= 3 && hashes[0] !== modal;
    for (let k = 0; k < positions.length; k++) {
      const p = positions[k];
      const i = pk.rows[p];
      const short = model.strings[K.shortNameId[i]] ?? model.strings[pk.nameIds[p]] ?? '';
      const full = model.strings[pk.nameIds[p]] ?? short;
      chosen.add(full);
      const kind: StepKind = firstDiffers ? (k === 0 ? 'prefill' : 'decode') : 'step';
      raw.push({ pid, name: `${short} #${k + 1}`, kind, startNs: start, endNs: K.endNs[i] });
      start = K.endNs[i];
    }
  }
  if (!raw.length) return null;
  const paceKernels = [...chosen];
  const names = paceKernels.map((n) => (n.length > 100 ? `${n.slice(0, 99)}…` : n)).join(', ');
  return {
    source: 'kernel',
    description: pattern ? `kernel /${pattern.source}/ (${names})` : `kernel ${names} (once per pass)`,
    raw,
    paceKernels,
  };
}

// ---------------------------------------------------------------------------------------------
// Per-step figures

/** Host calls that block the calling thread until the GPU (or a copy) is done. */
export const SYNC_API = /synchronize|^cu(da)?memcpy(?!.*async)|^cu(da)?memset(?!.*async)|^cudaeventquery|^custreamquery/i;

/**
 * Every thread's CUDA API calls, as the model's own rows: `rows[t]` is thread t's cuda-api track
 * (row ids into model.api sorted by start; undefined for threads without calls) and `syncOfName`
 * flags the name ids of calls that block the host (SYNC_API). No column is copied: at ×6
 * many_kernels (6M calls) per-thread copies of start, end and name cost 120 MB (issue 15).
 */
export interface ThreadApi {
  rows: (Int32Array | undefined)[];
  /** 1 for a name id whose calls block the host (SYNC_API); ids past its end are not sync. */
  syncOfName: Uint8Array;
}

const threadApiCache = new WeakMap<TraceModel, ThreadApi>();

/** Once per model: steps and idle attribution both read it. */
export function threadApiOf(model: TraceModel): ThreadApi {
  let out = threadApiCache.get(model);
  if (out) return out;
  const A = model.api;
  const rows = new Array<Int32Array | undefined>(model.threads.length);
  // Per name id: -1 not looked at yet, else 0/1; only the names the calls use are tested.
  const seen = new Int8Array(model.strings.length).fill(-1);
  for (const tr of model.tracks) {
    const idx = tr.indices;
    if (tr.lane !== 'cuda-api' || !idx.length) continue;
    for (let k = 0; k < idx.length; k++) {
      const id = A.nameId[idx[k]];
      if (id >= 0 && id < seen.length && seen[id] < 0) seen[id] = SYNC_API.test(model.strings[id] ?? '') ? 1 : 0;
    }
    rows[A.threadIndex[idx[0]]] = idx;
  }
  const syncOfName = new Uint8Array(seen.length);
  for (let id = 0; id < seen.length; id++) syncOfName[id] = seen[id] === 1 ? 1 : 0;
  threadApiCache.set(model, (out = { rows, syncOfName }));
  return out;
}

/** Whether API row i blocks the host (its name is a SYNC_API one). */
export function isSyncCall(model: TraceModel, api: ThreadApi, i: number): boolean {
  const id = model.api.nameId[i];
  return id >= 0 && id < api.syncOfName.length && api.syncOfName[id] === 1;
}

/**
 * One thread's CUDA API time: its calls read in place when no two overlap (the usual case: the
 * runtime and driver tables hold one call at a time per thread), else their union (nested or
 * overlapping calls are counted once, as the union always counted them).
 */
interface ThreadApiTime {
  rows: Int32Array;
  /** null when the calls are disjoint: coverage is then a walk over `rows`. */
  api: IntervalSet | null;
  sync: IntervalSet | null;
}

interface PidContext {
  busy: IntervalSet;
  nccl: IntervalSet;
  /** The process's threads with CUDA API calls, in track order. */
  threads: ThreadApiTime[];
}

/**
 * Per-process figures every step is clipped against. They depend on the model alone, not on how
 * steps were found, so they are built once per model (the Steps panel re-detects with other
 * patterns). Kernel counts, launch latencies and API time are read from the process's work list
 * and API rows per step (steps cover each item about once), so the context holds only the busy and
 * NCCL unions: at ×6 many_kernels copies of kernel starts, launch pairs and API unions were 270 MB.
 */
const contextCache = new WeakMap<TraceModel, Map<number, PidContext>>();

/** Drops the model's step contexts and thread API lists (see forgetStepCaches). */
export function forgetStepContexts(model: TraceModel): void {
  contextCache.delete(model);
  threadApiCache.delete(model);
}

function pidContextsOf(model: TraceModel, work: ReadonlyMap<number, GpuWorkList>): Map<number, PidContext> {
  if (work !== gpuWorkByPid(model)) return pidContexts(model, work);
  let ctx = contextCache.get(model);
  if (!ctx) contextCache.set(model, (ctx = pidContexts(model, work)));
  return ctx;
}

function threadApiTime(model: TraceModel, api: ThreadApi, rows: Int32Array): ThreadApiTime {
  const A = model.api;
  let disjoint = true;
  for (let k = 1; k < rows.length && disjoint; k++) if (A.startNs[rows[k]] < A.endNs[rows[k - 1]]) disjoint = false;
  for (let k = 0; k < rows.length && disjoint; k++) if (A.endNs[rows[k]] < A.startNs[rows[k]]) disjoint = false;
  if (disjoint) return { rows, api: null, sync: null };
  const n = rows.length;
  const s = new Float64Array(n);
  const e = new Float64Array(n);
  let nSync = 0;
  for (let k = 0; k < n; k++) {
    s[k] = A.startNs[rows[k]];
    e[k] = A.endNs[rows[k]];
    if (isSyncCall(model, api, rows[k])) nSync++;
  }
  const ss = new Float64Array(nSync);
  const se = new Float64Array(nSync);
  for (let k = 0, q = 0; k < n; k++) {
    if (isSyncCall(model, api, rows[k])) {
      ss[q] = s[k];
      se[q++] = e[k];
    }
  }
  return { rows, api: new IntervalSet(s, e), sync: new IntervalSet(ss, se) };
}

function pidContexts(model: TraceModel, work: ReadonlyMap<number, GpuWorkList>): Map<number, PidContext> {
  const out = new Map<number, PidContext>();
  const K = model.kernels;
  const A = model.api;
  const threadsByPid = new Map<number, ThreadApiTime[]>();
  const api = threadApiOf(model);
  // The model's CUDA API tracks: one per thread, sorted by start.
  for (const tr of model.tracks) {
    const idx = tr.indices;
    if (tr.lane !== 'cuda-api' || !idx.length) continue;
    const t = A.threadIndex[idx[0]];
    const pid = model.threads[t]?.pid ?? -1;
    const rows = api.rows[t];
    if (!rows) continue;
    let l = threadsByPid.get(pid);
    if (!l) threadsByPid.set(pid, (l = []));
    l.push(threadApiTime(model, api, rows));
  }
  const kernelKind = GPU_WORK_KINDS.indexOf('kernel');
  // Per kernel name id: -1 not looked at yet, else 1 for NCCL kernels.
  const ncclName = new Int8Array(model.strings.length).fill(-1);
  const isNccl = (i: number): boolean => {
    const nameId = kernelNameId(model, i);
    let v = nameId >= 0 && nameId < ncclName.length ? ncclName[nameId] : -1;
    if (v < 0) {
      v = kernelCategory(model.strings[nameId] ?? '') === 'nccl' ? 1 : 0;
      if (nameId >= 0 && nameId < ncclName.length) ncclName[nameId] = v;
    }
    return v === 1;
  };
  for (const [pid, w] of work) {
    let nn = 0;
    for (let p = 0; p < w.count; p++) if (w.kind[p] === kernelKind && isNccl(w.index[p])) nn++;
    const ns = new Float64Array(nn);
    const ne = new Float64Array(nn);
    for (let p = 0, q = 0; q < nn; p++) {
      if (w.kind[p] !== kernelKind || !isNccl(w.index[p])) continue;
      ns[q] = K.startNs[w.index[p]];
      ne[q++] = K.endNs[w.index[p]];
    }
    out.set(pid, { busy: busyOf(w), nccl: new IntervalSet(ns, ne), threads: threadsByPid.get(pid) ?? [] });
  }
  return out;
}

/**
 * Time of one thread's CUDA API calls inside [t0, t1], and the part in calls that block the host.
 * Disjoint calls are sorted by start and by end, so the calls that meet the window are one run.
 * Times are integer ns, so these sums equal the unions' prefix-sum differences exactly.
 */
function apiTimeIn(model: TraceModel, api: ThreadApi, th: ThreadApiTime, t0: Ns, t1: Ns): { apiNs: DurNs; syncNs: DurNs } {
  if (th.api && th.sync) return { apiNs: th.api.coveredNs(t0, t1), syncNs: th.sync.coveredNs(t0, t1) };
  if (t1 <= t0) return { apiNs: 0, syncNs: 0 };
  const A = model.api;
  const rows = th.rows;
  let apiNs = 0;
  let syncNs = 0;
  for (let k = upperBound(rows.length, (p) => A.endNs[rows[p]], t0); k < rows.length; k++) {
    const i = rows[k];
    if (A.startNs[i] >= t1) break;
    const d = Math.min(t1, A.endNs[i]) - Math.max(t0, A.startNs[i]);
    if (d <= 0) continue;
    apiNs += d;
    if (isSyncCall(model, api, i)) syncNs += d;
  }
  return { apiNs, syncNs };
}

const lowerBound = lowerBoundOf;

/** Nearest-rank percentile of sorted values (an element, so integer ns stay integer). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

function measureSteps(
  model: TraceModel,
  work: ReadonlyMap<number, GpuWorkList>,
  raw: RawStep[],
  correlation?: CorrelationIndex,
): StepRecord[] {
  if (!raw.length) return [];
  const ctx = pidContextsOf(model, work);
  const corr = correlation ?? buildCorrelation(model);
  const apiOfKind = GPU_WORK_KINDS.map((k) => corr.apiRows(k));
  const kernelKind = GPU_WORK_KINDS.indexOf('kernel');
  const api = threadApiOf(model);
  const A = model.api;
  const sorted = [...raw].sort((a, b) => a.pid - b.pid || a.startNs - b.startNs || a.endNs - b.endNs);
  const indexInPid = new Map<number, number>();
  const out: StepRecord[] = new Array(sorted.length);
  for (let q = 0; q < sorted.length; q++) {
    const r = sorted[q];
    const c = ctx.get(r.pid);
    const w = work.get(r.pid);
    const wallNs = r.endNs - r.startNs;
    const index = indexInPid.get(r.pid) ?? 0;
    indexInPid.set(r.pid, index + 1);
    const busy = c ? c.busy.coveredNs(r.startNs, r.endNs) : 0;
    let kernels = 0;
    let lat: Float64Array | null = null;
    let cudaApiNs = 0;
    let syncWaitNs = 0;
    if (c && w) {
      // The work items that start in [start, end): kernels counted, launch latencies of the correlated ones.
      const a = lowerBound(w.startNs, r.startNs);
      const b0 = lowerBound(w.startNs, r.endNs);
      const b = Math.max(a, b0);
      // A step that ends before it starts (pace kernels overlapping across streams) counts the
      // kernels in between negatively, as the difference of the two searches always did.
      for (let p = b0; p < a; p++) if (w.kind[p] === kernelKind) kernels--;
      let nLat = 0;
      for (let p = a; p < b; p++) {
        if (w.kind[p] === kernelKind) kernels++;
        if (apiOfKind[w.kind[p]][w.index[p]] >= 0) nLat++;
      }
      lat = new Float64Array(nLat);
      for (let p = a, k = 0; p < b; p++) {
        const call = apiOfKind[w.kind[p]][w.index[p]];
        if (call >= 0) lat[k++] = w.startNs[p] - A.startNs[call];
      }
      lat.sort();
    }
    if (c) {
      for (const th of c.threads) {
        const t = apiTimeIn(model, api, th, r.startNs, r.endNs);
        cudaApiNs += t.apiNs;
        syncWaitNs += t.syncNs;
      }
    }
    out[q] = {
      index,
      name: r.name,
      pid: r.pid,
      kind: r.kind,
      startNs: r.startNs,
      endNs: r.endNs,
      wallNs,
      gpuBusyNs: busy,
      gpuIdleNs: wallNs - busy,
      kernels,
      cudaApiNs,
      syncWaitNs,
      ncclNs: c ? c.nccl.coveredNs(r.startNs, r.endNs) : 0,
      launchLatencyP50Ns: lat?.length ? percentileOfSorted(lat, 50) : null,
      launchLatencyP99Ns: lat?.length ? percentileOfSorted(lat, 99) : null,
      ...(r.nvtxIndex !== undefined ? { nvtxIndex: r.nvtxIndex } : {}),
    };
  }
  return out;
}

export function verdictOf(busyFraction: number): StepVerdict {
  if (busyFraction >= GPU_BOUND_BUSY) return 'gpu-bound';
  if (busyFraction < CPU_BOUND_BUSY) return 'cpu-bound';
  return 'balanced';
}

export function summarizeSteps(steps: StepRecord[]): StepSummary {
  const walls = steps.map((s) => s.wallNs).sort((a, b) => a - b);
  const decode = steps
    .filter((s) => s.kind === 'decode')
    .map((s) => s.wallNs)
    .sort((a, b) => a - b);
  let wall = 0;
  let busy = 0;
  let worst = -1;
  steps.forEach((s, k) => {
    wall += s.wallNs;
    busy += s.gpuBusyNs;
    if (worst < 0 || s.wallNs > steps[worst].wallNs) worst = k;
  });
  const gpuBusyFraction = wall > 0 ? busy / wall : 0;
  const verdict = wall > 0 ? verdictOf(gpuBusyFraction) : 'balanced';
  return {
    count: steps.length,
    wallMedianNs: steps.length ? percentileOfSorted(walls, 50) : 0,
    wallP90Ns: steps.length ? percentileOfSorted(walls, 90) : 0,
    wallP99Ns: steps.length ? percentileOfSorted(walls, 99) : 0,
    timePerTokenNs: decode.length ? percentileOfSorted(decode, 50) : null,
    gpuBusyFraction,
    worstStep: worst,
    verdict,
  };
}
