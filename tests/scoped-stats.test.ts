// Bridge methods behind the stats / summary / export panels, through the real `serve` HTTP API on
// real nsys 2025.3 exports; figures checked against sqlite3 queries on the same files.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import type { TraceModel } from '../src/core/model/types';
import { decodeMessage } from '../src/core/service/wire-codec';
import { startServer, type RunningServer } from '../src/server/server';
import type { CsvFile, Result, StatsReport, TraceSummary } from '../src/shared/bridge';

const FIX = resolve(__dirname, 'fixtures/nsys-2025.3');
const GRAPHS = resolve(FIX, 'cuda_graphs.sqlite');
const STREAMS = resolve(FIX, 'streams.sqlite');
const sql = (file: string, q: string) => execFileSync('sqlite3', [file, q], { encoding: 'utf8' }).trim();

let server: RunningServer;
let graphs: TraceModel;
let streams: TraceModel;

async function api<T>(method: string, args: unknown[]): Promise<Result<T>> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': server.token },
    body: JSON.stringify(args),
  });
  expect(res.status).toBe(200);
  return decodeMessage(await res.arrayBuffer()) as Result<T>;
}
async function ok<T>(method: string, args: unknown[]): Promise<T> {
  const r = await api<T>(method, args);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
const col = (r: StatsReport, name: string) => r.rows.map((row) => Number(row[r.columns.indexOf(name)]));
const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);

beforeAll(async () => {
  graphs = (await openTrace(GRAPHS)).model;
  streams = (await openTrace(STREAMS)).model;
  server = await startServer({
    traces: [
      { model: graphs, name: 'cuda_graphs.sqlite' },
      { model: streams, name: 'streams.sqlite' },
    ],
  });
});
afterAll(async () => {
  await server?.close();
});

describe('getStatsReport scopes', () => {
  it('whole trace: the same kernel figures NVIDIA nsys stats printed', async () => {
    const r = await ok<StatsReport>('getStatsReport', ['t1', 'cuda_gpu_kern_sum']);
    expect(r.columns).toContain('Total Time (ns)');
    expect(sum(col(r, 'Instances'))).toBe(Number(sql(GRAPHS, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL')));
    expect(sum(col(r, 'Total Time (ns)'))).toBe(Number(sql(GRAPHS, 'SELECT sum(end-start) FROM CUPTI_ACTIVITY_KIND_KERNEL')));
  });

  it('NVTX range: kernels launched inside it (by correlation), not the ones running in its window', async () => {
    // The first range whose window holds a different set of kernels than it launched (a graph replay
    // step: its 16 kernels run after the CPU has moved on).
    const rows = sql(
      GRAPHS,
      `WITH n AS (SELECT rowid id, start s, end e, globalTid g FROM NVTX_EVENTS WHERE end IS NOT NULL)
      SELECT n.s, n.e, n.g,
        (SELECT count(*) || ',' || sum(k.end-k.start) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN CUPTI_ACTIVITY_KIND_RUNTIME r
           ON r.correlationId = k.correlationId AND r.globalTid / 16777216 = k.globalPid / 16777216
           WHERE r.globalTid = n.g AND r.start >= n.s AND r.start < n.e),
        (SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k WHERE k.start < n.e AND k.end >= n.s)
      FROM n ORDER BY n.s`,
    )
      .split('\n')
      .map((l) => l.split('|'));
    const row = rows.find((x) => Number(x[3].split(',')[0]) !== Number(x[4]));
    expect(row).toBeDefined();
    const [s, , , launched, inWindow] = row!;
    const [launchedCount, launchedNs] = launched.split(',').map(Number);
    expect(launchedCount).toBeGreaterThan(0);
    const nvtxIndex = graphs.nvtx.startNs.indexOf(Number(s));
    expect(nvtxIndex).toBeGreaterThanOrEqual(0);

    const scoped = await ok<StatsReport>('getStatsReport', ['t1', 'cuda_gpu_kern_sum', { nvtxRange: nvtxIndex }]);
    expect(sum(col(scoped, 'Instances'))).toBe(launchedCount);
    expect(sum(col(scoped, 'Total Time (ns)'))).toBe(launchedNs);
    // The time-window scope of the same range follows nsys's overlap rule instead.
    const windowed = await ok<StatsReport>('getStatsReport', [
      't1',
      'cuda_gpu_kern_sum',
      { t0Ns: graphs.nvtx.startNs[nvtxIndex], t1Ns: graphs.nvtx.endNs[nvtxIndex] },
    ]);
    expect(sum(col(windowed, 'Instances'))).toBe(Number(inWindow));
    // CPU side: the API calls on the range's thread that start inside it.
    const apis = await ok<StatsReport>('getStatsReport', ['t1', 'cuda_api_sum', { nvtxRange: nvtxIndex }]);
    expect(sum(col(apis, 'Num Calls'))).toBe(
      Number(
        sql(
          GRAPHS,
          `SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME r, NVTX_EVENTS n
      WHERE n.start = ${s} AND r.globalTid = n.globalTid AND r.start >= n.start AND r.start < n.end`,
        ),
      ),
    );
  });

  it('NVTX range on streams: step 1 launched 25 kernels and 5 copies, as sqlite3 joins them', async () => {
    const step1 = streams.nvtx.startNs.indexOf(Number(sql(STREAMS, "SELECT start FROM NVTX_EVENTS WHERE text = 'step 1'")));
    const q = (table: string, what: string) =>
      sql(
        STREAMS,
        `SELECT ${what} FROM ${table} g JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON r.correlationId = g.correlationId, NVTX_EVENTS n
      WHERE n.text = 'step 1' AND r.globalTid = n.globalTid AND r.start >= n.start AND r.start < n.end`,
      );
    const kern = await ok<StatsReport>('getStatsReport', ['t2', 'cuda_gpu_kern_sum', { nvtxRange: step1 }]);
    expect(sum(col(kern, 'Instances'))).toBe(Number(q('CUPTI_ACTIVITY_KIND_KERNEL', 'count(*)')));
    const mem = await ok<StatsReport>('getStatsReport', ['t2', 'cuda_gpu_mem_size_sum', { nvtxRange: step1 }]);
    expect(sum(col(mem, 'Count'))).toBe(Number(q('CUPTI_ACTIVITY_KIND_MEMCPY', 'count(*)')));
    expect(sum(col(mem, 'Total (MB)'))).toBeCloseTo(Number(q('CUPTI_ACTIVITY_KIND_MEMCPY', 'sum(g.bytes)')) / 1e6, 3);
  });

  it('answers bad scopes and names with one clear line', async () => {
    expect(await api('getStatsReport', ['t1', 'cuda_gpu_kernsum'])).toMatchObject({
      ok: false,
      error: expect.stringContaining('Unknown stats report "cuda_gpu_kernsum"'),
    });
    expect(await api('getStatsReport', ['t1', 'nvtx_sum', { nvtxRange: 10_000_000 }])).toMatchObject({
      ok: false,
      error: expect.stringContaining('No NVTX range #10000000'),
    });
    expect(await api('getStatsReport', ['t1', 'nvtx_sum', { t0Ns: 5, t1Ns: 5 }])).toMatchObject({
      ok: false,
      error: expect.stringContaining('Empty stats window'),
    });
    expect(await api('getStatsReport', ['t1', 'nvtx_sum', { nvtx: 1 }])).toMatchObject({
      ok: false,
      error: expect.stringContaining('unexpected field "nvtx"'),
    });
    expect(await api('getStatsReport', ['t1'])).toMatchObject({
      ok: false,
      error: expect.stringContaining('getStatsReport takes 3 argument(s), got 1'),
    });
  });
});

describe('getSummary and exportCsv', () => {
  it('summary: capture window, checks all ok, idle gaps shrink as the threshold grows', async () => {
    const s = await ok<TraceSummary>('getSummary', ['t2']);
    expect(s.run.capture_window_ns).toBe(streams.meta.sessionEndNs - streams.meta.sessionStartNs);
    expect(s.checks.length).toBeGreaterThan(0);
    expect(s.checks.filter((c) => !c.ok)).toEqual([]);
    expect(s.gpu.idle_gaps.threshold_ns).toBe(1_000_000);
    const big = await ok<TraceSummary>('getSummary', ['t2', { idleGapThresholdNs: 50_000_000 }]);
    expect(big.gpu.idle_gaps.devices[0].gap_count).toBeLessThan(s.gpu.idle_gaps.devices[0].gap_count);
    expect(big.gpu.idle_gaps.devices[0].largest.every((g) => g.duration_ns >= 50_000_000)).toBe(true);
    expect(await api('getSummary', ['t2', { idleGapThresholdNs: -1 }])).toMatchObject({
      ok: false,
      error: expect.stringContaining('non-negative'),
    });
  });

  it('exportCsv: the files of export-csv (five GPU, three CPU-side), copies counted as sqlite3 counts the window', async () => {
    const files = await ok<CsvFile[]>('exportCsv', ['t2', 8140, 8460]);
    expect(files.map((f) => f.fileName.replace(/_[^_]*ms\.csv$|\.csv$/, ''))).toEqual([
      'trimmed',
      'kernels',
      'memcpy',
      'memcpy_e2e',
      'kernel_memcpy_pairs',
      'cuda_api',
      'nvtx',
      'osrt',
    ]);
    const copies = Number(sql(STREAMS, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE start <= 8460000000 AND end >= 8140000000'));
    const memcpyFile = files.find((f) => /^memcpy_/.test(f.fileName) && !/e2e/.test(f.fileName))!;
    expect(memcpyFile.rows).toBe(copies);
    expect(memcpyFile.csv.trim().split('\n')).toHaveLength(copies + 1);
    expect(await api('exportCsv', ['t2', 10, 5])).toMatchObject({ ok: false, error: expect.stringContaining('Empty window') });
  });
});
