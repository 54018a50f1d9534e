import { buildCorrelation } from '../model/correlation';
import type { TraceModel } from '../model/types';
import { detectSteps, type StepDetection, type StepVerdict } from './detect-steps';
import { attributeIdle, type IdleAttribution, type IdleBreakdown, type IdleCause } from './idle-attribution';

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
    verdict: b.verdict,
    evidence: b.evidence,
  };
}

export function stepsSummaryJson(det: StepDetection, idle: IdleAttribution): StepsSummaryJson {
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
  };
}

/** Steps and idle attribution of a whole trace, sharing one correlation index. */
export function analyzeSteps(model: TraceModel): { steps: StepDetection; idle: IdleAttribution; json: StepsSummaryJson } {
  const correlation = buildCorrelation(model);
  const steps = detectSteps(model, { correlation });
  const idle = attributeIdle(model, { correlation, steps });
  return { steps, idle, json: stepsSummaryJson(steps, idle) };
}
