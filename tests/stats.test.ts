import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import type { TraceModel } from '../src/core/model/types';
import { apiDisplayName, compareUtf8, medianOfSorted, percent1, pyFixed, round1, sampleStdev, summarize } from '../src/core/stats/numeric';
import { runStatsReport } from '../src/core/stats/run-stats';
import { findNvtxRange, nvtxRangeFilter } from '../src/core/stats/filter';
import { csvField, toCsv, toTable } from '../src/core/stats/format';
import { STATS_REPORT_NAMES, type StatsReportName } from '../src/core/stats/types';
import { describeShared } from './helpers/shared-traces';

/**
 * Every CSV NVIDIA's `nsys stats --format csv` (2025.3) wrote for our real traces must come out of
 * runStatsReport + toCsv byte for byte.
 */
const REPO = resolve(__dirname, '..');
const EXPECTED_DIR = resolve(__dirname, 'fixtures/nsys-stats-2025.3');
const SHARED = resolve(REPO, '../shared/traces');
const TRACES: Record<string, string> = {
  streams: resolve(__dirname, 'fixtures/nsys-2025.3/streams.sqlite'),
  multiproc: resolve(__dirname, 'fixtures/nsys-2025.3/multiproc.sqlite'),
  cuda_graphs: resolve(__dirname, 'fixtures/nsys-2025.3/cuda_graphs.sqlite'),
  llm_eager_pageable: resolve(SHARED, 'llm_eager_pageable.sqlite'),
  llm_eager_pinned_capture: resolve(SHARED, 'llm_eager_pinned_capture.sqlite'),
  llm_compiled_capture: resolve(SHARED, 'llm_compiled_capture.sqlite'),
};

const csvFiles = readdirSync(EXPECTED_DIR)
  .filter((f) => f.endsWith('.csv'))
  .sort();

function splitName(file: string): { trace: string; report: StatsReportName } {
  const base = file.replace(/\.csv$/, '');
  const report = STATS_REPORT_NAMES.find((r) => base.endsWith(`_${r}`));
  if (!report) throw new Error(`${file}: no known report name at its end`);
  return { trace: base.slice(0, -report.length - 1), report };
}

/** Full-text equality; on mismatch, the first differing line (expected vs got) in the message. */
function expectSameCsv(file: string, got: string, expected: string) {
  if (got === expected) return;
  const g = got.split('\n');
  const e = expected.split('\n');
  const i = e.findIndex((line, k) => line !== g[k]);
  const at = i < 0 ? e.length : i;
  expect.fail(`${file}: line ${at + 1} differs\n  nsys: ${e[at]}\n  ours: ${g[at]}\n(${e.length} vs ${g.length} lines)`);
}

describe('nsys stats CSVs reproduced from the model', () => {
  it('has the 36 NVIDIA CSVs to compare against, for every report', () => {
    expect(csvFiles.length).toBe(36);
    expect(new Set(csvFiles.map((f) => splitName(f).report))).toEqual(new Set(STATS_REPORT_NAMES));
  });

  const byTrace = new Map<string, string[]>();
  for (const f of csvFiles) {
    const { trace } = splitName(f);
    byTrace.set(trace, [...(byTrace.get(trace) ?? []), f]);
  }
  for (const [trace, files] of byTrace) {
    (TRACES[trace]?.startsWith(SHARED) ? describeShared : describe)(trace, () => {
      let model: TraceModel;
      it('opens', async () => {
        const path = TRACES[trace];
        expect(path, `no trace for ${trace}`).toBeDefined();
        expect(existsSync(path), `${path} is missing (CI keeps ../shared/traces beside the clone)`).toBe(true);
        model = (await openTrace(path)).model;
      });
      for (const file of files) {
        it(file, () => {
          expect(model, 'trace did not open').toBeDefined();
          const { report } = splitName(file);
          expectSameCsv(file, toCsv(runStatsReport(model, report)), readFileSync(resolve(EXPECTED_DIR, file), 'utf8'));
        });
      }
    });
  }
});

describe('nsys 2022.4 stats on its own export (Debian nsys 2022.4.2, CPU-only fixture)', () => {
  const dir = resolve(__dirname, 'fixtures/nsys-stats-2022.4');
  for (const report of ['nvtx_sum', 'osrt_sum'] as const) {
    it(report, async () => {
      const model = (await openTrace(resolve(__dirname, 'fixtures/nsys-2022.4/cpu_nvtx.sqlite'))).model;
      const file = `cpu_nvtx_${report}.csv`;
      expectSameCsv(file, toCsv(runStatsReport(model, report)), readFileSync(resolve(dir, file), 'utf8'));
    });
  }
});

describe('numeric helpers', () => {
  it('rounds to one decimal as SQLite round(x, 1) then Python prints it', () => {
    expect(round1(3725117.55)).toBe('3725117.5'); // binary value is below the tie
    expect(round1(0.25)).toBe('0.3'); // exact tie: away from zero (Python's round() would say 0.2)
    expect(round1(83060)).toBe('83060.0');
    expect(round1(0)).toBe('0.0');
    expect(round1(-0.04)).toBe('0.0');
    expect(round1(NaN)).toBe('');
  });
  it('formats like Python format(x, ".3f"), ties to even', () => {
    expect(pyFixed(0.0625, 3)).toBe('0.062');
    expect(pyFixed(0.1875, 3)).toBe('0.188');
    expect(pyFixed(33.554432, 3)).toBe('33.554');
    expect(pyFixed(0, 3)).toBe('0.000');
    expect(pyFixed(2.5, 0)).toBe('2');
    expect(pyFixed(-0.0625, 3)).toBe('-0.062');
  });
  it('percent of the listed total', () => {
    expect(percent1(1, 3)).toBe('33.3');
    expect(percent1(2, 3)).toBe('66.7');
    expect(percent1(5, 0)).toBe('');
  });
  it('median, sample stdev and summary', () => {
    expect(medianOfSorted([1, 2, 3, 10])).toBe(2.5);
    expect(medianOfSorted([1, 2, 9])).toBe(2);
    expect(sampleStdev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935, 8);
    expect(sampleStdev([5])).toBe(0);
    const s = summarize([9, 1, 5]);
    expect(s).toEqual({ count: 3, total: 15, mean: 5, median: 5, min: 1, max: 9, stdev: 4 });
  });
  it('strips only "_vNNNN" API suffixes, as nsys SQL does', () => {
    expect(apiDisplayName('cuMemcpy_v2000')).toBe('cuMemcpy');
    expect(apiDisplayName('cudaLaunchKernelExC_v11060')).toBe('cudaLaunchKernelExC_v11060');
    expect(apiDisplayName('cublasCreate_v2')).toBe('cublasCreate_v2');
  });
  it('orders strings by UTF-8 bytes like SQLite', () => {
    expect(compareUtf8('a', 'b')).toBeLessThan(0);
    expect(compareUtf8('\u{1F600}', '\uFF01')).toBeGreaterThan(0); // JS < would say the opposite
    expect(compareUtf8('ab', 'a')).toBeGreaterThan(0);
  });
  it('quotes CSV fields like Python csv', () => {
    expect(csvField('void f<(int)4, float>')).toBe('"void f<(int)4, float>"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('plain')).toBe('plain');
    expect(csvField(12)).toBe('12');
  });
});

/** nsys's own time filter, verbatim from its report views: the rows a window keeps. */
const NSYS_WINDOW = (t0: number, t1: number) =>
  `((start >= ${t0} AND start < ${t1}) OR (end >= ${t0} AND end < ${t1}) OR (start < ${t0} AND end >= ${t1}))`;
const sql = (file: string, q: string) =>
  execFileSync('sqlite3', ['-separator', '|', file, q], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'));

describe('filters', () => {
  let streams: TraceModel;
  let multiproc: TraceModel;
  it('open', async () => {
    streams = (await openTrace(TRACES.streams)).model;
    multiproc = (await openTrace(TRACES.multiproc)).model;
  });

  it('time window keeps what nsys keeps (overlapping events, counted whole)', () => {
    // The NVTX "step 2" range of streams; kernels cross both its edges.
    const [t0, t1] = [8538198885, 8590808607];
    const r = runStatsReport(streams, 'cuda_gpu_kern_sum', { t0Ns: t0, t1Ns: t1 });
    const expected = sql(
      TRACES.streams,
      `SELECT s.value, count(*), sum(k.end - k.start) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.demangledName
       WHERE ${NSYS_WINDOW(t0, t1)} GROUP BY 1 ORDER BY 3 DESC`,
    );
    expect(expected.length).toBeGreaterThan(1);
    expect(r.rows.map((row) => [row[8], String(row[2]), String(row[1])])).toEqual(expected);
    const all = runStatsReport(streams, 'cuda_gpu_kern_sum');
    expect(r.rows.reduce((n, row) => n + Number(row[2]), 0)).toBeLessThan(all.rows.reduce((n, row) => n + Number(row[2]), 0));
    // A window with nothing in it gives no rows, not NaN rows.
    expect(runStatsReport(streams, 'cuda_api_sum', { t0Ns: -10, t1Ns: -5 }).rows).toEqual([]);
    expect(() => runStatsReport(streams, 'nvtx_sum', { t0Ns: 5, t1Ns: 1 })).toThrow(/starts after it ends/);
  });

  it('process set keeps one process of multiproc', () => {
    const r = runStatsReport(multiproc, 'cuda_api_sum', { pids: [164] });
    const expected = sql(
      TRACES.multiproc,
      `SELECT count(*), sum(end - start) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE (globalTid >> 24) & 16777215 = 164`,
    )[0].map(Number);
    expect([r.rows.reduce((n, row) => n + Number(row[2]), 0), r.rows.reduce((n, row) => n + Number(row[1]), 0)]).toEqual(expected);
    const exec = runStatsReport(multiproc, 'cuda_kern_exec_sum', { pids: new Set([164]) });
    expect(exec.rows.length).toBeGreaterThan(0);
    expect(new Set(exec.rows.map((row) => row[0]))).toEqual(new Set([164]));
    // Percentages are of the filtered total: they add up to ~100 again.
    const pct = r.rows.reduce((n, row) => n + Number(row[0]), 0);
    expect(Math.abs(pct - 100)).toBeLessThan(0.1 * r.rows.length);
  });
});

describeShared('NVTX range filter (nsys stats --filter-nvtx), on llm_eager_pageable', () => {
  it('finds the range by TEXT or TEXT@DOMAIN and keeps what nsys keeps', async () => {
    const model = (await openTrace(TRACES.llm_eager_pageable)).model;
    expect(findNvtxRange(model, 'phase:warmup@')).toBe(-1);
    expect(findNvtxRange(model, 'cublasCreate_v2')).toBe(-1); // a named domain must be given
    const i = findNvtxRange(model, 'phase:warmup');
    expect(i).toBeGreaterThanOrEqual(0);
    const f = nvtxRangeFilter(model, i);
    // On the main thread (pid 351 == tid 351) nsys narrows to the process, not the thread.
    expect(f).toEqual({ t0Ns: 20550466162, t1Ns: 23102544360, pids: [351], globalTid: undefined });
    const where = `${NSYS_WINDOW(f.t0Ns!, f.t1Ns!)} AND (globalTid >> 24) & 16777215 = 351`;
    const api = runStatsReport(model, 'cuda_api_sum', f);
    const [calls, total] = sql(
      TRACES.llm_eager_pageable,
      `SELECT count(*), sum(end - start) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE ${where}`,
    )[0].map(Number);
    expect(api.rows.reduce((n, r) => n + Number(r[2]), 0)).toBe(calls);
    expect(api.rows.reduce((n, r) => n + Number(r[1]), 0)).toBe(total);
    const nvtx = runStatsReport(model, 'nvtx_sum', f);
    // warmup and cublasCreate_v2 inside it; model_load ended 219 µs before the window, inference starts after it.
    expect(nvtx.rows.map((r) => r[9])).toEqual([':phase:warmup', 'cuBLAS:cublasCreate_v2']);
    const cublas = findNvtxRange(model, 'cublasCreate_v2@cuBLAS');
    expect(nvtxRangeFilter(model, cublas).t1Ns! - nvtxRangeFilter(model, cublas).t0Ns!).toBe(4545904);
  });

  it('narrows CPU rows to one thread when the filter names one', async () => {
    const model = (await openTrace(TRACES.llm_eager_pageable)).model;
    const th = model.threads.find((t) => t.tid === 417 && t.pid === 351)!;
    const r = runStatsReport(model, 'osrt_sum', { globalTid: th.globalTid, pids: [351] });
    const [calls] = sql(
      TRACES.llm_eager_pageable,
      `SELECT count(*) FROM OSRT_API WHERE eventClass = 27 AND globalTid = ${th.globalTid}`,
    )[0].map(Number);
    expect(calls).toBeGreaterThan(0);
    expect(r.rows.reduce((n, row) => n + Number(row[2]), 0)).toBe(calls);
  });
});

describe('toTable', () => {
  it('aligns columns, groups thousands, keeps every row', async () => {
    const model = (await openTrace(TRACES.streams)).model;
    const text = toTable(runStatsReport(model, 'nvtx_sum'));
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 6);
    expect(lines[0]).toMatch(/^Time \(%\)\s+Total Time \(ns\)\s+Instances/);
    expect(lines[1]).toMatch(/^-+ {2}-+/);
    expect(lines[2]).toContain('318,039,258');
    expect(lines[2]).toContain(':step 0');
    // Right-aligned numbers: each data row's "PushPop" starts in the same column.
    expect(new Set(lines.slice(2).map((l) => l.indexOf('PushPop'))).size).toBe(1);
  });
});
