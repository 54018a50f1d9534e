import type { StepDetection } from '../../core/steps/detect-steps';
import { stepsCsv, stepsJson } from '../../core/steps/steps-export';
import type { IdleAttribution } from '../../core/steps/idle-attribution';
import type { NcclSkew } from '../../core/steps/nccl-skew';
import type { NvtxGpuRow } from '../../core/steps/nvtx-projection';
import { analyzeSteps } from '../../core/steps/steps-summary';
import { CliError, flagString, requireTrace, type Command, type ParsedArgs } from '../command';
import { openTraceForCli } from '../open-for-cli';
import { boolFlag } from './export-csv';

export function regexFlag(args: ParsedArgs, name: string): RegExp | undefined {
  const v = flagString(args, name);
  if (v === undefined) return undefined;
  try {
    return new RegExp(v);
  } catch (e) {
    throw new CliError(`--${name} "${v}" is not a valid regular expression (${e instanceof Error ? e.message : String(e)}).`, 2);
  }
}

const ms = (ns: number | null) => (ns === null ? '-' : (ns / 1e6).toFixed(3));
const us = (ns: number | null) => (ns === null ? '-' : (ns / 1e3).toFixed(1));

function nvtxGpuLines(nvtxGpu: NvtxGpuRow[]): string[] {
  const used = nvtxGpu.filter((x) => x.gpuOps > 0);
  if (!used.length) return [];
  return [
    'GPU time per NVTX range (GPU work launched inside each range, by correlation):',
    ...used
      .slice(0, 10)
      .map(
        (r) =>
          `  ${ms(r.gpuBusyNs).padStart(12)} ms GPU busy  ${ms(r.rangeNs).padStart(12)} ms CPU  ${String(r.ranges).padStart(6)} ranges  ${String(r.gpuOps).padStart(7)} GPU ops  ${r.name}`,
      ),
  ];
}

export function stepsText(
  det: StepDetection,
  idle: IdleAttribution,
  nccl: NcclSkew | null,
  nvtxGpu: NvtxGpuRow[],
  traceName: string,
): string {
  const sm = det.summary;
  const out: string[] = [`${traceName}: ${sm.count} steps from ${det.description}`];
  if (!sm.count) {
    out.push(
      'No steps found: give --step-nvtx REGEX (NVTX ranges, one per iteration) or --step-kernel REGEX (a kernel that runs once per iteration).',
      ...nvtxGpuLines(nvtxGpu),
    );
    return `${out.join('\n')}\n`;
  }
  const worst = det.steps[sm.worstStep];
  out.push(
    `step time: median ${ms(sm.wallMedianNs)} ms, p90 ${ms(sm.wallP90Ns)} ms, p99 ${ms(sm.wallP99Ns)} ms` +
      (sm.timePerTokenNs !== null ? `; time per generated token (median decode step) ${ms(sm.timePerTokenNs)} ms` : ''),
    `GPU busy ${(sm.gpuBusyFraction * 100).toFixed(1)}% of step time`,
    ...[...idle.byStepKind, ...idle.byPhase].map((b) => `  ${b.evidence}`),
    `worst step: pid ${worst.pid} #${worst.index} "${worst.name}" ${ms(worst.wallNs)} ms at ${ms(worst.startNs)} ms`,
  );
  if (nccl) {
    const w = nccl.collectives.reduce((a, c) => (c.skewNs > a.skewNs ? c : a), nccl.collectives[0]);
    out.push(
      `NCCL: ${nccl.collectives.length} collectives matched across pids ${nccl.pids.join(', ')}${nccl.sequencesMatch ? '' : ' (sequences differ: matched by position)'}; arrival skew p50 ${us(nccl.skewP50Ns)} µs, p99 ${us(nccl.skewP99Ns)} µs, max ${us(nccl.skewMaxNs)} µs`,
      `  last to arrive: ${nccl.lateCounts.map((l) => `pid ${l.pid} ${l.late}×`).join(', ')}`,
      ...(w
        ? [
            `  worst: #${w.seq} ${w.name} at ${ms(Math.min(...w.ranks.map((r) => r.startNs)))} ms, pid ${w.latePid} ${us(w.skewNs)} µs late: ${w.lateReason}`,
          ]
        : []),
    );
  }
  out.push(...nvtxGpuLines(nvtxGpu), '');
  const header = [
    'pid',
    'step',
    'kind',
    'start ms',
    'wall ms',
    'busy ms',
    'idle ms',
    'kernels',
    'api ms',
    'sync ms',
    'nccl ms',
    'lat p50 us',
    'lat p99 us',
    'name',
  ];
  const rows = det.steps.map((s) => [
    String(s.pid),
    String(s.index),
    s.kind,
    ms(s.startNs),
    ms(s.wallNs),
    ms(s.gpuBusyNs),
    ms(s.gpuIdleNs),
    String(s.kernels),
    ms(s.cudaApiNs),
    ms(s.syncWaitNs),
    ms(s.ncclNs),
    us(s.launchLatencyP50Ns),
    us(s.launchLatencyP99Ns),
    s.name,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r.map((v, c) => (c === r.length - 1 ? v : c >= 3 && c <= 12 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ');
  out.push(line(header), ...rows.map(line));
  return `${out.join('\n')}\n`;
}

export const stepsCommand: Command = {
  name: 'steps',
  summary: 'iterations (decode steps / forward passes): step time, GPU busy and idle, launch latency, verdict',
  usage: 'nsys-viewer steps TRACE [--json|--csv] [--step-nvtx REGEX] [--step-kernel REGEX]',
  async run(args, io) {
    const json = boolFlag(args, 'json');
    const csv = boolFlag(args, 'csv');
    if (json && csv) throw new CliError('Give one of --json and --csv.', 2);
    const stepNvtx = regexFlag(args, 'step-nvtx');
    const stepKernel = regexFlag(args, 'step-kernel');
    if (stepNvtx && stepKernel)
      throw new CliError('Give one of --step-nvtx and --step-kernel: steps are NVTX ranges or paced by a kernel, not both.', 2);
    const path = requireTrace(args, this.usage);
    const { model, name } = await openTraceForCli(path, args, io);
    const { steps: det, idle, nccl, nvtxGpu, json: sj } = analyzeSteps(model, { stepNvtx, stepKernel });
    // The verdict weighs why the GPU idled (idle attribution), as summary --json's steps.verdict does.
    if (json) io.out(`${JSON.stringify(stepsJson(det, sj.verdict), null, 2)}\n`);
    else if (csv) io.out(stepsCsv(det));
    else io.out(stepsText(det, idle, nccl, nvtxGpu, name));
    if ((stepNvtx || stepKernel) && !det.steps.length) {
      io.err(`No ${stepNvtx ? 'NVTX range' : 'kernel'} in ${name} matches /${(stepNvtx ?? stepKernel)?.source}/.\n`);
      return 1;
    }
    return 0;
  },
};
