import { buildCorrelation, type CorrelationIndex } from '../model/correlation';
import { forgetGpuWorkByPid, gpuWorkByPid, hasGpuWorkByPid } from './gpu-work';
import type { TraceModel } from '../model/types';
import { detectSteps, forgetStepContexts, type StepDetection, type StepVerdict } from './detect-steps';
import { attributeIdle, type IdleAttribution, type IdleBreakdown, type IdleCause } from './idle-attribution';
import { ncclSkew, type NcclSkew } from './nccl-skew';
import { nvtxGpuTable, projectNvtxToGpu, type NvtxGpuRow } from './nvtx-projection';

/** One scope of idle attribution as `summary --json` prints it (snake_case like the rest of it). */
export interface IdleScopeJson {
  scope: string;
  wall_ns: number;
  busy_ns: number;
  idle_ns: number;
  gpu_busy_fraction: number;
  gap_count: number;
  idle_by_cause_ns: Record<IdleCause, number>;
  top_api_in_idle: { name: string; ns: number }[];
  longest_gaps: { pid: number; start_ns: number; end_ns: number; cause: IdleCause }[];
  verdict: StepVerdict;
  evidence: string;
}

/** The `steps` section of `summary --json`: what the steps are, their figures, and why the GPU idled. */
export interface StepsSummaryJson {
  source: StepDetection['source'];
  description: string;
  count: number;
  wall_median_ns: number;
  wall_p90_ns: number;
  wall_p99_ns: number;
  time_per_token_ns: number | null;
  gpu_busy_fraction: number;
  verdict: StepVerdict;
  idle: { run: IdleScopeJson; by_step_kind: IdleScopeJson[]; by_phase: IdleScopeJson[] };
  /** NCCL collectives matched across ranks (null with fewer than two processes running NCCL). */
  nccl: {
    ranks: number[];
    sequences_match: boolean;
    collectives: number;
    skew_p50_ns: number;
    skew_p99_ns: number;
    skew_max_ns: number;
    late: { pid: number; collectives: number; skew_ns: number }[];
    worst: { seq: number; name: string; skew_ns: number; late_pid: number; start_ns: number; late_reason: string } | null;
  } | null;
}

function scopeJson(b: IdleBreakdown): IdleScopeJson {
  return {
    scope: b.scope,
    wall_ns: b.wallNs,
    busy_ns: b.busyNs,
    idle_ns: b.idleNs,
    gpu_busy_fraction: b.wallNs > 0 ? b.busyNs / b.wallNs : 0,
    gap_count: b.gapCount,
    idle_by_cause_ns: b.byCause,
    top_api_in_idle: b.topApis,
    longest_gaps: b.longestGaps.map((g) => ({ pid: g.pid, start_ns: g.startNs, end_ns: g.endNs, cause: g.cause })),
    verdict: b.verdict,
    evidence: b.evidence,
  };
}

function ncclJson(n: NcclSkew | null): StepsSummaryJson['nccl'] {
  if (!n) return null;
  const worst = n.collectives.reduce<NcclSkew['collectives'][number] | null>((a, c) => (!a || c.skewNs > a.skewNs ? c : a), null);
  return {
    ranks: n.pids,
    sequences_match: n.sequencesMatch,
    collectives: n.collectives.length,
    skew_p50_ns: n.skewP50Ns,
    skew_p99_ns: n.skewP99Ns,
    skew_max_ns: n.skewMaxNs,
    late: n.lateCounts.map((l) => ({ pid: l.pid, collectives: l.late, skew_ns: l.skewNs })),
    worst: worst
      ? {
          seq: worst.seq,
          name: worst.name,
          skew_ns: worst.skewNs,
          late_pid: worst.latePid,
          start_ns: Math.min(...worst.ranks.map((r) => r.startNs)),
          late_reason: worst.lateReason,
        }
      : null,
  };
}

export function stepsSummaryJson(det: StepDetection, idle: IdleAttribution, nccl: NcclSkew | null = null): StepsSummaryJson {
  const sm = det.summary;
  return {
    source: det.source,
    description: det.description,
    count: sm.count,
    wall_median_ns: sm.wallMedianNs,
    wall_p90_ns: sm.wallP90Ns,
    wall_p99_ns: sm.wallP99Ns,
    time_per_token_ns: sm.timePerTokenNs,
    gpu_busy_fraction: sm.gpuBusyFraction,
    // With steps, the verdict of their kinds' idle attribution (decode when there is one); else the run's.
    verdict: (idle.byStepKind.find((b) => b.scope === 'decode') ?? idle.byStepKind[0] ?? idle.run).verdict,
    idle: { run: scopeJson(idle.run), by_step_kind: idle.byStepKind.map(scopeJson), by_phase: idle.byPhase.map(scopeJson) },
    nccl: ncclJson(nccl),
  };
}

/** Steps, idle attribution and NCCL skew of a whole trace, sharing one correlation index. */
export interface StepsAnalysis {
  steps: StepDetection;
  idle: IdleAttribution;
  nccl: NcclSkew | null;
  /** GPU time per NVTX range name (NVTX ranges projected onto the GPU work they launched). */
  nvtxGpu: NvtxGpuRow[];
  json: StepsSummaryJson;
}

export function analyzeSteps(
  model: TraceModel,
  opts: {
    stepNvtx?: RegExp;
    stepKernel?: RegExp;
    correlation?: CorrelationIndex;
    /** false: skip the NVTX projection (summary --json does not print it) */ nvtxGpu?: boolean;
  } = {},
): StepsAnalysis {
  const correlation = opts.correlation ?? buildCorrelation(model);
  const work = gpuWorkByPid(model);
  const steps = detectSteps(model, { stepNvtx: opts.stepNvtx, stepKernel: opts.stepKernel, correlation, work });
  const idle = attributeIdle(model, { correlation, steps, work });
  const nccl = ncclSkew(model, correlation);
  const nvtxGpu = opts.nvtxGpu === false ? [] : nvtxGpuTable(model, projectNvtxToGpu(model, correlation));
  return { steps, idle, nccl, nvtxGpu, json: stepsSummaryJson(steps, idle, nccl) };
}

/**
 * analyzeSteps for a caller that asks once (the CLI's summary): the per-model caches it fills —
 * GPU work per process and its busy unions, step contexts, thread API lists — are dropped after,
 * unless they were there before (the service keeps them for the Steps panel's re-detections).
 * At ×6 many_kernels they are ~140 MB that the stats reports after it would otherwise run beside.
 */
export function analyzeStepsOnce(model: TraceModel, opts: Parameters<typeof analyzeSteps>[1] = {}): StepsAnalysis {
  if (hasGpuWorkByPid(model)) return analyzeSteps(model, opts);
  const a = analyzeSteps(model, opts);
  forgetGpuWorkByPid(model);
  forgetStepContexts(model);
  return a;
}

/** What the Steps panel gets over the bridge (getSteps): the per-step records and the summary section. */
export interface StepsView {
  source: StepDetection['source'];
  description: string;
  steps: StepDetection['steps'];
  summary: StepDetection['summary'];
  analysis: StepsSummaryJson;
  /** GPU time per NVTX range (at most 200 names, most GPU time first). */
  nvtxGpu: NvtxGpuRow[];
}

export function stepsView(a: StepsAnalysis): StepsView {
  return {
    source: a.steps.source,
    description: a.steps.description,
    steps: a.steps.steps,
    summary: a.steps.summary,
    analysis: a.json,
    nvtxGpu: a.nvtxGpu.slice(0, 200),
  };
}
