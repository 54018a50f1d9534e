import { csvField } from '../stats/format';
import type { StepDetection, StepRecord, StepVerdict } from './detect-steps';

/**
 * `nsys-viewer steps --json` and `--csv`, shared by the CLI and the Steps panel's buttons so that a
 * file saved from the viewer is the one the CLI writes for the same choice of steps.
 */
type StepTable = Pick<StepDetection, 'steps' | 'summary'>;

/** The `steps --json` document: integer ns, the fields scripts rely on (the contract). */
export function stepsJson(det: StepTable, verdict: StepVerdict): unknown {
  return {
    steps: det.steps.map((s) => ({
      index: s.index,
      name: s.name,
      pid: s.pid,
      startNs: s.startNs,
      endNs: s.endNs,
      wallNs: s.wallNs,
      gpuBusyNs: s.gpuBusyNs,
      gpuIdleNs: s.gpuIdleNs,
      kernels: s.kernels,
      launchLatencyP50Ns: s.launchLatencyP50Ns,
    })),
    summary: {
      count: det.summary.count,
      wallMedianNs: det.summary.wallMedianNs,
      wallP99Ns: det.summary.wallP99Ns,
      gpuBusyFraction: det.summary.gpuBusyFraction,
      verdict,
    },
  };
}

const CSV_COLUMNS: (keyof StepRecord)[] = [
  'pid',
  'index',
  'name',
  'kind',
  'startNs',
  'endNs',
  'wallNs',
  'gpuBusyNs',
  'gpuIdleNs',
  'kernels',
  'cudaApiNs',
  'syncWaitNs',
  'ncclNs',
  'launchLatencyP50Ns',
  'launchLatencyP99Ns',
];

export function stepsCsv(det: Pick<StepDetection, 'steps'>): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const s of det.steps) lines.push(CSV_COLUMNS.map((c) => csvField(String(s[c] ?? ''))).join(','));
  return `${lines.join('\n')}\n`;
}
