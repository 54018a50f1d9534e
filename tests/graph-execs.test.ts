import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportWindowCsv } from '../src/core/export/csv';
import { openTrace } from '../src/core/io/open-trace';
import { buildCorrelation } from '../src/core/model/correlation';
import { busyOf, gpuWorkByPid } from '../src/core/steps/gpu-work';
import type { TraceModel } from '../src/core/model/types';
import { aggregateRange } from '../src/core/service/aggregate';
import { eventDetails } from '../src/core/service/details';
import { searchEvents } from '../src/core/service/search';
import { toCsv } from '../src/core/stats/format';
import { runStatsReport } from '../src/core/stats/run-stats';
import { STATS_REPORT_NAMES } from '../src/core/stats/types';
import { buildSummary } from '../src/core/summary/summary';
import { requireFile, tracePath } from './helpers/paths';

/**
 * graphs_default (nsys 2025.3.1, H200): a CUDA graph replayed 50 times, recorded with nsys's default
 * graph trace mode, so each replay is one CUPTI_ACTIVITY_KIND_GRAPH_TRACE row and its kernels are
 * not in the kernel table. Every expected figure below comes from sqlite3 on the file:
 *   SELECT count(*), count(DISTINCT graphId), sum(end - start) FROM CUPTI_ACTIVITY_KIND_GRAPH_TRACE  → 50, 1, 3253138
 *   union of kernel + memcpy + graph intervals (window functions, gaps-and-islands)          → busy 6534657 ns,
 *     first 2411789677, last 2679785509, 9 gaps ≥ 1 ms totalling 220014670 ns
 *   the same without the graph table                                                          → busy 3281519 ns
 */
const FILE = tracePath('shared:graphs_default.sqlite');
let model: TraceModel;
beforeAll(async () => {
  model = (await openTrace(requireFile(FILE))).model;
}, 60_000);

describe('CUDA graph executions traced at graph level (graphs_default)', () => {
  it('reads the 50 graph executions into the model', () => {
    const g = model.graphExecs;
    expect(g.count).toBe(50);
    expect(new Set(g.graphId)).toEqual(new Set([1]));
    expect(new Set(g.graphExecId)).toEqual(new Set([2]));
    let sum = 0;
    for (let i = 0; i < g.count; i++) sum += g.endNs[i] - g.startNs[i];
    expect(sum).toBe(3253138);
    expect([g.startNs[0], g.endNs[0], g.deviceId[0], g.streamId[0], g.correlationId[0], g.pid[0]]).toEqual([
      2581660193, 2581724672, 0, 7, 4268, 583,
    ]);
  });

  it('counts them as GPU busy in the summary: the GPU is not idle through the replays', () => {
    const sm = buildSummary(model, { idleGapThresholdNs: 1_000_000, topN: 5 });
    const [dev] = sm.gpu.idle_gaps.devices;
    expect(sm.gpu.idle_gaps.devices).toHaveLength(1);
    // Without the graph table the busy time is 3281519 ns (kernels and copies only).
    expect(dev).toMatchObject({
      device_id: 0,
      busy_ns: 6534657,
      first_ns: 2411789677,
      last_ns: 2679785509,
      gap_count: 9,
      gap_total_ns: 220014670,
    });
    expect(sm.gpu.graphs).toMatchObject({
      present: true,
      count: 50,
      total_ns: 3253138,
      by_graph: [{ graph_id: 1, count: 50, total_ns: 3253138 }],
    });
    expect(sm.counts.graph_execs).toBe(50);
  });

  it('gives every GPU work interval per device and process, graph executions included', () => {
    const groups = [...gpuWorkByPid(model).values()];
    // 870 kernels (streams 7, 14, 18), 51 copies, 50 graph executions; one process (pid 583) on GPU 0.
    const g = groups[0];
    expect(g.deviceId.every((d) => d === 0)).toBe(true);
    expect(groups.map((x) => [x.deviceId[0], x.pid, x.count])).toEqual([[0, 583, 971]]);
    for (let k = 1; k < g.count; k++) expect(g.startNs[k]).toBeGreaterThanOrEqual(g.startNs[k - 1]);
    expect(busyOf(g).totalNs).toBe(6534657);
  });

  it('puts them on a track of their stream, and nsys stats still equals NVIDIA (which leaves them out)', () => {
    const t = model.tracks.find((x) => x.id === 'gpu/0/583/7/graph');
    expect(t?.indices.length).toBe(50);
    for (const report of STATS_REPORT_NAMES) {
      if (report === 'osrt_sum') continue; // graphs_default was recorded without OS runtime tracing
      const expected = readFileSync(tracePath(`shared:nsys-stats/graphs_default_${report}.csv`), 'utf8');
      expect(toCsv(runStatsReport(model, report)), report).toBe(expected);
    }
  });

  it('links each execution to its cudaGraphLaunch (pid + correlation id), both ways', () => {
    const corr = buildCorrelation(model);
    const d = eventDetails(model, corr, 'graph', 0);
    expect(d.name).toBe('[CUDA graph 1]');
    expect(Object.fromEntries(d.fields)).toMatchObject({ 'Graph id': 1, 'Graph exec id': 2, Stream: 7, 'Correlation ID': 4268 });
    expect(d.trackId).toBe('gpu/0/583/7/graph');
    expect(d.partners).toHaveLength(1);
    expect(d.partners[0]).toMatchObject({ lane: 'cuda-api', name: 'cudaGraphLaunch_v10000', startNs: 2581568709, endNs: 2581658461 });
    const back = eventDetails(model, corr, 'cuda-api', d.partners[0].index);
    expect(back.partners.map((p) => [p.lane, p.index, p.trackId])).toEqual([['graph', 0, 'gpu/0/583/7/graph']]);
  });

  it('finds them in search and in range aggregates', () => {
    const r = searchEvents(model, { text: 'cuda graph', regex: false });
    expect(r.total).toBe(50);
    expect(new Set(r.hits.map((h) => h.lane))).toEqual(new Set(['graph']));
    // 12 executions overlap [2590, 2600] ms, 779933 ns together (sqlite3, overlap on end >= t0 AND start <= t1).
    const rows = aggregateRange(model, model.tracks, 2_590_000_000, 2_600_000_000);
    expect(rows.find((x) => x.lane === 'graph')).toMatchObject({ name: '[CUDA graph 1]', count: 12, totalNs: 779933 });
  });

  it("exports them with the window's kernels: kind/graph_id/graph_exec_id appended, in start order", () => {
    const files = exportWindowCsv(model, { fromMs: 2590, toMs: 2600 });
    const kernels = files.find((f) => f.fileName === 'kernels_2590-2600ms.csv')!;
    const p = Papa.parse<Record<string, string>>(kernels.csv, { header: true, skipEmptyLines: true });
    expect(p.meta.fields?.slice(-3)).toEqual(['kind', 'graph_id', 'graph_exec_id']);
    // 187 kernels + 12 graph executions overlap the window (sqlite3).
    expect(p.data).toHaveLength(199);
    const graphs = p.data.filter((r) => r.kind === 'graph');
    expect(graphs).toHaveLength(12);
    expect(graphs[0]).toMatchObject({
      op_type: 'graph',
      op_name: '[CUDA graph 1]',
      graph_id: '1',
      graph_exec_id: '2',
      stream_id: '7',
      grid: '',
    });
    const starts = p.data.map((r) => Number(r.start_ns));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const trimmed = Papa.parse<Record<string, string>>(files.find((f) => f.fileName === 'trimmed.csv')!.csv, {
      header: true,
      skipEmptyLines: true,
    });
    expect(trimmed.data.filter((r) => r.engine === 'graph')).toHaveLength(12);
  });
});
