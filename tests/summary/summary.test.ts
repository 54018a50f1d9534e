import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import type { StatsReport, StatsReportName } from '../../src/core/stats/types';
import { parseStatsCsv, statsReportOfFile } from '../../src/core/summary/stats-csv';
import { buildSummary, formatSummary } from '../../src/core/summary/summary';
import { itShared } from '../helpers/shared-traces';

const FIX = resolve(__dirname, '../fixtures/nsys-2025.3');
const STATS = resolve(__dirname, '../fixtures/nsys-stats-2025.3');
const SHARED = resolve(__dirname, '../../../shared/traces');

/** NVIDIA's own nsys stats CSVs for a trace (committed fixtures). */
function nvidiaReports(stem: string): Partial<Record<StatsReportName, StatsReport>> {
  const out: Partial<Record<StatsReportName, StatsReport>> = {};
  for (const f of readdirSync(STATS)) {
    const name = statsReportOfFile(f);
    if (name && f === `${stem}_${name}.csv`) out[name] = parseStatsCsv(name, readFileSync(resolve(STATS, f), 'utf8'), f);
  }
  return out;
}

async function summarize(file: string, stem: string) {
  const { model } = await openTrace(file);
  const refs = nvidiaReports(stem);
  return { model, refs, sm: buildSummary(model, { references: refs, referenceSource: 'nsys stats CSV' }) };
}

describe('buildSummary', () => {
  it('streams: agrees with NVIDIA nsys stats on kernels, copies, NVTX and OS runtime waits', async () => {
    const { sm, refs } = await summarize(resolve(FIX, 'streams.sqlite'), 'streams');
    expect(Object.keys(refs).sort()).toEqual([
      'cuda_api_sum',
      'cuda_gpu_kern_sum',
      'cuda_gpu_mem_size_sum',
      'cuda_gpu_mem_time_sum',
      'cuda_kern_exec_sum',
      'nvtx_sum',
      'osrt_sum',
    ]);
    const failed = sm.checks.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    const bySource = new Set(sm.checks.map((c) => c.source));
    for (const r of ['cuda_gpu_kern_sum', 'cuda_gpu_mem_time_sum', 'cuda_gpu_mem_size_sum', 'nvtx_sum', 'osrt_sum'])
      expect(bySource).toContain(`nsys stats CSV ${r}`);
    // No phase: ranges in this trace: the 6 "step N" top-level ranges stand in.
    expect(sm.phase_source).toBe('nvtx top-level ranges');
    expect(sm.phases.map((p) => p.name).sort()).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4', 'step 5']);
    expect(sm.phases[0]).toMatchObject({ name: 'step 0', total_ns: 318039258, ranges: 1 });
    // 24 HtoD + 6 DtoH copies of 32 MiB: 805.306 MB HtoD as nsys prints it (not the seed's 768 "MB").
    const htod = sm.gpu.memcpy.by_op.find((g) => g.op === '[CUDA memcpy Host-to-Device]')!;
    expect(htod.count).toBe(24);
    expect(htod.total_mb.toFixed(3)).toBe('805.306');
    expect(sm.gpu.memcpy.by_kind.map((g) => `${g.direction}/${g.srcKind}/${g.dstKind}`).sort()).toEqual([
      'Device-to-Host/Device/Pageable',
      'Host-to-Device/Pageable/Device',
      'Host-to-Device/Pinned/Device',
    ]);
    expect(sm.cpu.wait_calls.present).toBe(true);
    expect(sm.cpu.wait_calls.top[0]).toMatchObject({ name: 'poll', total_ns: 2824547419, calls: 37 });
    expect(sm.run.capture_window_ns).toBeGreaterThan(0);
    expect(sm.run.capture_window_s).toBe(sm.run.capture_window_ns / 1e9);
    const text = formatSummary(sm);
    expect(text).toContain('step 0');
    expect(text).toContain('Pinned -> Device');
    expect(text).toMatch(/Checks: (\d+)\/\1 ok/);
  });

  it('by default cross-checks against src/core/stats (our nsys stats re-implementation) on every fixture', async () => {
    for (const f of ['streams', 'multiproc', 'cuda_graphs']) {
      const { model } = await openTrace(resolve(FIX, `${f}.sqlite`));
      const sm = buildSummary(model);
      expect(
        sm.checks.filter((c) => !c.ok),
        f,
      ).toEqual([]);
      expect(
        sm.checks.some((c) => c.source === 'src/core/stats cuda_gpu_kern_sum'),
        f,
      ).toBe(true);
    }
    const { model } = await openTrace(resolve(FIX, 'streams.sqlite'));
    expect(buildSummary(model, { references: null }).checks.every((c) => c.source === 'self')).toBe(true);
  });

  it('a check fails when the reference disagrees', async () => {
    const { model } = await openTrace(resolve(FIX, 'streams.sqlite'));
    const refs = nvidiaReports('streams');
    const kern = refs.cuda_gpu_kern_sum!;
    const tampered: StatsReport = {
      ...kern,
      rows: kern.rows.map((r, i) => (i === 0 ? r.map((v, c) => (kern.columns[c] === 'Instances' ? Number(v) + 1 : v)) : r)),
    };
    const sm = buildSummary(model, { references: { cuda_gpu_kern_sum: tampered } });
    expect(sm.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['kernels: count', expect.stringMatching(/instances$/)]);
  });

  it('cuda_graphs: top-level NVTX ranges "eager" and "graph replay", GPU idle gaps per device', async () => {
    const { sm } = await summarize(resolve(FIX, 'cuda_graphs.sqlite'), 'cuda_graphs');
    expect(sm.checks.filter((c) => !c.ok)).toEqual([]);
    expect(sm.phases.map((p) => [p.name, p.ranges])).toEqual([
      ['eager', 50],
      ['graph replay', 50],
    ]);
    expect(sm.phases[0].total_ns).toBe(31960945);
    expect(sm.cpu.wait_calls.present).toBe(false);
    const d = sm.gpu.idle_gaps.devices[0];
    expect(d.busy_ns).toBeGreaterThan(0);
    for (const g of d.largest) {
      expect(g.duration_ns).toBeGreaterThanOrEqual(1e6);
      expect(g.end_ns - g.start_ns).toBe(g.duration_ns);
    }
  });

  it('multiproc: kernels of both workers counted, no memcpy table', async () => {
    const { sm } = await summarize(resolve(FIX, 'multiproc.sqlite'), 'multiproc');
    expect(sm.checks.filter((c) => !c.ok)).toEqual([]);
    expect(sm.gpu.kernels.count).toBe(122);
    expect(sm.gpu.memcpy.present).toBe(false);
    expect(sm.phases.map((p) => p.name).sort()).toEqual(['worker0', 'worker1']);
  });

  itShared('llm_eager_pageable: phase:* ranges, memsets, waits, all checks pass', async () => {
    const { sm } = await summarize(resolve(SHARED, 'llm_eager_pageable.sqlite'), 'llm_eager_pageable');
    const failed = sm.checks.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    expect(sm.checks.length).toBeGreaterThan(20);
    expect(sm.phase_source).toBe('nvtx phase:* ranges');
    expect(sm.phases.map((p) => p.name)).toEqual(['phase:model_init_cpu', 'phase:inference', 'phase:warmup', 'phase:model_load']);
    expect(sm.phases[0].total_ns).toBe(3522234336);
    expect(sm.gpu.memcpy.by_op.map((g) => g.op)).toEqual([
      '[CUDA memcpy Host-to-Device]',
      '[CUDA memcpy Device-to-Device]',
      '[CUDA memcpy Device-to-Host]',
      '[CUDA memset]',
    ]);
    expect(sm.cpu.wait_calls.top.slice(0, 2).map((w) => w.name)).toEqual(['poll', 'pthread_cond_timedwait']);
    console.log(formatSummary(sm));
  });
});
