import { beforeAll, expect } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import type { TraceModel } from '../src/core/model/types';
import { busyNsIn, gpuBusy, gpuBusySeries, utilisationProfile } from '../src/core/query/gpu-busy';
import { rangeBreakdown } from '../src/core/service/aggregate';
import { gpuIdleGaps } from '../src/core/summary/idle-gaps';
import { TraceService } from '../src/core/service/trace-service';
import { tracePath } from './helpers/paths';
import { describeShared, itShared } from './helpers/shared-traces';

/**
 * Expected figures are sqlite3 3.40 on the shared traces (nsys 2025.3.1 exports): the union of every
 * kernel, memcpy, memset and graph-trace interval matching a filter, clipped to [T0, T1], by
 * gaps-and-islands over window functions:
 *
 *   WITH work AS (SELECT start, end, deviceId, streamId FROM CUPTI_ACTIVITY_KIND_KERNEL UNION ALL
 *                 ... _MEMCPY UNION ALL ... _MEMSET UNION ALL ... _GRAPH_TRACE   -- the tables the file has),
 *   c AS (SELECT max(start,T0) s, min(end,T1) e FROM work WHERE <filter> AND end > T0 AND start < T1),
 *   o AS (SELECT s, e, max(e) OVER (ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) prev FROM c),
 *   g AS (SELECT s, e, sum(CASE WHEN prev IS NULL OR s > prev THEN 1 ELSE 0 END)
 *                      OVER (ORDER BY s, e ROWS UNBOUNDED PRECEDING) grp FROM o)
 *   SELECT sum(e2 - s2) FROM (SELECT min(s) s2, max(e) e2 FROM g GROUP BY grp);
 */
const WHOLE: [number, number] = [0, 99_999_999_999];

describeShared('GPU utilisation: union of GPU work per GPU and per stream', () => {
  let streams: TraceModel;
  let graphs: TraceModel;
  beforeAll(async () => {
    streams = (await openTrace(tracePath('shared:streams.sqlite'))).model;
    graphs = (await openTrace(tracePath('shared:graphs_default.sqlite'))).model;
  }, 60_000);

  itShared('busy time per GPU and stream equals sqlite3, whole trace and clipped to a window', () => {
    // streams.sqlite: pid 34 on GPU 0, kernels on streams 7 and 17, copies on 7 and 13. The GPU's
    // union (358789549) is below the streams' sum (362863165): copies overlapped kernels.
    const series = gpuBusySeries(streams);
    expect([...series.keys()].sort()).toEqual(['gpu:0', 'gpuproc:0/34', 'stream:0/34/13', 'stream:0/34/17', 'stream:0/34/7']);
    const at = (t0: number, t1: number) => gpuBusy(streams, t0, t1).map((r) => [r.key, r.busyNs]);
    expect(at(...WHOLE)).toEqual([
      ['gpu:0', 358789549],
      ['gpuproc:0/34', 358789549],
      ['stream:0/34/7', 159744772],
      ['stream:0/34/13', 71679298],
      ['stream:0/34/17', 131439095],
    ]);
    // T0 = 8349600000, T1 = 8764600000: cuts kernels and copies at both ends.
    expect(at(8_349_600_000, 8_764_600_000)).toEqual([
      ['gpu:0', 332025806],
      ['gpuproc:0/34', 332025806],
      ['stream:0/34/7', 135419925],
      ['stream:0/34/13', 69240402],
      ['stream:0/34/17', 131439095],
    ]);
    // One 414560 ns window inside a long GEMM on stream 17: fully busy; stream 7 idle there.
    const px = gpuBusy(streams, 8_500_000_000, 8_500_414_560);
    expect(px.map((r) => [r.key, r.busyNs, r.fraction])).toEqual([
      ['gpu:0', 414560, 1],
      ['gpuproc:0/34', 414560, 1],
      ['stream:0/34/7', 0, 0],
      ['stream:0/34/13', 0, 0],
      ['stream:0/34/17', 414560, 1],
    ]);
  });

  itShared('counts CUDA graph replays (graph-level trace) as busy', () => {
    // graphs_default.sqlite: the 50 replays are GRAPH_TRACE rows on stream 7 (their kernels are
    // not in the kernel table). Whole trace: GPU 0 6534657, stream 7 6348417, 14: 184480, 18: 1760;
    // over the replays' span [2581660193, 2623784752]: GPU 0 and stream 7 6183841.
    const whole = gpuBusy(graphs, ...WHOLE);
    expect(whole.filter((r) => r.pid === undefined).map((r) => r.busyNs)).toEqual([6534657]);
    expect(whole.filter((r) => r.streamId !== undefined).map((r) => [r.streamId, r.busyNs])).toEqual([
      [7, 6348417],
      [14, 184480],
      [18, 1760],
    ]);
    const replays = gpuBusy(graphs, 2_581_660_193, 2_623_784_752);
    expect(replays.filter((r) => r.pid === undefined).map((r) => r.busyNs)).toEqual([6183841]);
    expect(replays.filter((r) => r.streamId !== undefined).map((r) => [r.streamId, r.busyNs])).toEqual([
      [7, 6183841],
      [14, 0],
      [18, 0],
    ]);
  });

  itShared('the per-pixel profile integrates to the window busy time, and each pixel is its own window', () => {
    // 1000 px over [8349600000, 8764600000]: 415000 ns per pixel.
    const [t0, t1, widthPx] = [8_349_600_000, 8_764_600_000, 1000];
    const pxNs = (t1 - t0) / widthPx;
    const expected: Record<string, number> = {
      'gpu:0': 332025806,
      'stream:0/34/7': 135419925,
      'stream:0/34/13': 69240402,
      'stream:0/34/17': 131439095,
    };
    for (const [key, busyNs] of Object.entries(expected)) {
      const s = gpuBusySeries(streams).get(key)!;
      const prof = utilisationProfile(s, t0, t1, widthPx);
      expect(prof.length).toBe(widthPx);
      const sum = prof.reduce((a, v) => a + v, 0) * pxNs;
      expect(Math.abs(sum - busyNs), key).toBeLessThan(0.01);
      for (let x = 0; x < widthPx; x++) {
        expect(prof[x]).toBeGreaterThanOrEqual(0);
        expect(prof[x]).toBeLessThanOrEqual(1);
      }
    }
    // A few pixels over the same window hold far more spans than pixels: the profile is read from the
    // prefix sums then (utilisationProfile's dense path), and still integrates to sqlite3's figure.
    let dense = 0;
    for (const [key, busyNs] of Object.entries(expected)) {
      const s = gpuBusySeries(streams).get(key)!;
      const inWindow = s.spans.startNs.filter((a, k) => a < t1 && s.spans.endNs[k] > t0).length;
      const px = Math.floor(inWindow / 40);
      if (px < 1) continue; // too few spans in this window for the dense path
      dense++;
      const prof = utilisationProfile(s, t0, t1, px);
      expect(Math.abs(prof.reduce((a, v) => a + v, 0) * ((t1 - t0) / px) - busyNs), key).toBeLessThan(0.01);
    }
    expect(dense).toBe(2);
    // Pixels 0..7 of GPU 0, each checked against the sqlite3 query over [t0 + x·415000, t0 + (x+1)·415000).
    const gpu = utilisationProfile(gpuBusySeries(streams).get('gpu:0')!, t0, t1, widthPx);
    expect(Array.from(gpu.subarray(0, 8), (v) => Math.round(v * pxNs))).toEqual(PIXELS_0_7);
    // busyNsIn agrees with the profile pixel by pixel (it is what the row labels and range panel use).
    for (let x = 0; x < 50; x++)
      expect(Math.abs(busyNsIn(gpuBusySeries(streams).get('gpu:0')!, t0 + x * pxNs, t0 + (x + 1) * pxNs) - gpu[x] * pxNs)).toBeLessThan(
        1e-3,
      );
  });
});

describeShared("the summary's GPU idle gaps: one union with the utilisation tracks", () => {
  itShared('visits the same spans merged on the fly as from the built series', async () => {
    // A fresh model: gpuBusySeries is not built yet, so the first call merges the tracks itself.
    const { model } = await openTrace(tracePath('shared:streams.sqlite'));
    const streamed = gpuIdleGaps(model, 0);
    // GPU 0's busy time is the sqlite3 union of the first describe block (358789549 ns).
    expect(streamed.map((d) => [d.device_id, d.busy_ns])).toEqual([[0, 358789549]]);
    gpuBusySeries(model);
    expect(gpuIdleGaps(model, 0)).toEqual(streamed);
    // Every gap between the spans counts at threshold 0; the listed ones are the 20 longest.
    const [d] = streamed;
    expect(d.gap_total_ns).toBe(d.last_ns - d.first_ns - d.busy_ns);
    expect(d.largest.length).toBe(Math.min(20, d.gap_count));
    for (let k = 1; k < d.largest.length; k++) expect(d.largest[k].duration_ns).toBeLessThanOrEqual(d.largest[k - 1].duration_ns);
  });
});

describeShared('range selection: GPU busy and counts per category', () => {
  itShared('match sqlite3 over a window of streams.sqlite', async () => {
    const { model } = await openTrace(tracePath('shared:streams.sqlite'));
    // T0 = 8349600000, T1 = 8764600000. Counts and clipped time per category, from sqlite3 with
    // W = "end >= T0 AND start <= T1", C = "sum(min(end,T1) - max(start,T0))":
    //   SELECT s.value, count(*), C FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.shortName WHERE W GROUP BY 1
    //     sm80_xmma_gemm_…_cublas 48 127164326; vectorized_elementwise_kernel 102 4307090
    //   SELECT copyKind, count(*), C FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE W GROUP BY 1   1 (HtoD) 20 69240402; 2 (DtoH) 6 135387604
    //   SELECT count(*), C FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE W                        399 394084555
    //   SELECT count(*), C FROM NVTX_EVENTS WHERE W (all eventType 59, push/pop)            6 414853281
    //   SELECT count(*), C FROM OSRT_API WHERE W                                           51 418087251
    // (gemm/copy are the names' categories in src/core/util/kernel-category.ts.)
    const b = rangeBreakdown(model, 8_349_600_000, 8_764_600_000);
    expect(b.categories.map((r) => [r.group, r.category, r.count, r.inRangeNs])).toEqual([
      ['kernel', 'gemm', 48, 127164326],
      ['kernel', 'copy', 102, 4307090],
      ['memcpy', '[CUDA memcpy Device-to-Host]', 6, 135387604],
      ['memcpy', '[CUDA memcpy Host-to-Device]', 20, 69240402],
      ['cuda-api', 'cuda-api', 399, 394084555],
      ['nvtx', 'nvtx', 6, 414853281],
      ['osrt', 'osrt', 51, 418087251],
    ]);
    // GPU busy: the union figures of the first describe block.
    expect(b.gpu.map((r) => [r.key, r.busyNs])).toEqual([
      ['gpu:0', 332025806],
      ['gpuproc:0/34', 332025806],
      ['stream:0/34/7', 135419925],
      ['stream:0/34/13', 69240402],
      ['stream:0/34/17', 131439095],
    ]);
  });
});

describeShared('the bridge methods behind the utilisation tracks', () => {
  itShared('answer per row key, share a profile between rows with the same spans, and refuse bad windows', async () => {
    const { model } = await openTrace(tracePath('shared:streams.sqlite'));
    const svc = new TraceService();
    const id = svc.add(model, 'streams.sqlite');
    const [gpu, proc, s17, unknown] = svc.getUtilisation(
      id,
      ['gpu:0', 'gpuproc:0/34', 'stream:0/34/17', 'stream:9/9/9'],
      8_349_600_000,
      8_764_600_000,
      1000,
    );
    // One process on GPU 0: its row and the GPU's are the same union (busy 332025806 ns above).
    expect(proc).toBe(gpu);
    expect(Math.round(gpu.reduce((a, v) => a + v, 0) * 415000)).toBe(332025806);
    expect(Math.round(s17.reduce((a, v) => a + v, 0) * 415000)).toBe(131439095);
    expect(unknown.length).toBe(0);
    expect(() => svc.getUtilisation(id, ['gpu:0'], 10, 10, 100)).toThrow('Invalid time window: t1 must be greater than t0.');
    expect(() => svc.getGpuBusy(id, 10, 5)).toThrow('Invalid time range: t1 must be greater than t0.');
    expect(() => svc.rangeBreakdown(id, Number.NaN, 5)).toThrow('Invalid time range: t1 must be greater than t0.');
  });
});

/** sqlite3 (query above, filter deviceId=0) over [8349600000 + x·415000, +415000) for x = 0..7. */
const PIXELS_0_7 = [411812, 415000, 415000, 415000, 415000, 415000, 171705, 0];
