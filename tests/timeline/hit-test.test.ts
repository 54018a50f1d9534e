// Hit testing on the real streams trace (nsys 2025.3, H100), in Node: the same service answers the
// slices the page would fetch, the same layout places the rows. Times are from sqlite3 on the file.
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { TraceService } from '../../src/core/service/trace-service';
import type { LodSlices, TraceInfo } from '../../src/shared/bridge';
import { bestSliceAt, sliceAt, upperBound } from '../../src/renderer/timeline/hit-test';
import { buildRowTree, layoutRows, NVTX_DEPTH_PX, rowForTrack, type LaidRow } from '../../src/renderer/timeline/layout';
import { RULER_HEIGHT_PX, Viewport } from '../../src/renderer/timeline/viewport';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
let svc: TraceService;
let info: TraceInfo;
let rows: LaidRow[];

beforeAll(async () => {
  const { model, name } = await openTrace(STREAMS);
  svc = new TraceService();
  info = svc.getTraceInfo(svc.add(model, name));
  rows = layoutRows(buildRowTree(info), new Set()).rows;
});

function viewOf(t0: number, t1: number): Viewport {
  const vp = new Viewport();
  vp.widthPx = 1000;
  vp.heightPx = 4000;
  vp.setLimits(info.firstEventNs, info.lastEventNs);
  vp.set(t0, t1);
  return vp;
}

const slices = (id: string, s: LodSlices) => new Map([[id, s]]);

function slicesFor(vp: Viewport, trackIds: string[]): Map<string, LodSlices> {
  const got = svc.getSlices(
    info.traceId,
    trackIds.map((trackId) => ({ trackId, t0: vp.t0, t1: vp.t1, widthPx: vp.widthPx })),
  );
  return new Map(got.map((s) => [s.trackId, s]));
}

describe('hit testing', () => {
  it('upperBound finds the first element past a value', () => {
    const a = Float64Array.from([1, 3, 3, 7]);
    expect([0, 1, 3, 6, 7, 8].map((v) => upperBound(a, v))).toEqual([0, 1, 3, 3, 4, 4]);
  });

  it('picks the kernel under the mouse on its stream lane, and nothing in the gap next to it', () => {
    // select start, end from CUPTI_ACTIVITY_KIND_KERNEL where streamId = 17 order by start limit 2
    //   → 8349603188|8352261705 (sm80_xmma_gemm…), 8376310945|8376353762 (vectorized_elementwise_kernel)
    const kernelTrack = info.tracks.find((t) => t.lane === 'kernel' && t.streamId === 17)!;
    const vp = viewOf(8349000000, 8353000000);
    const slices = slicesFor(vp, [kernelTrack.id]);
    const row = rowForTrack(rows, kernelTrack.id)!;
    const y = vp.contentToCanvasY(row.y + row.h / 2);
    const mid = vp.timeToX((8349603188 + 8352261705) / 2);
    const hit = sliceAt(rows, slices, vp, mid, y);
    expect(hit).toMatchObject({ trackId: kernelTrack.id, lane: 'kernel', startNs: 8349603188, endNs: 8352261705, eventCount: 1 });
    // 100 px right of the GEMM's end is empty (the next kernel starts 24 ms later).
    expect(sliceAt(rows, slices, vp, vp.timeToX(8352261705) + 100, y)).toBeNull();
    // Over the ruler: nothing.
    expect(sliceAt(rows, slices, vp, mid, RULER_HEIGHT_PX - 1)).toBeNull();
  });

  it('tells NVTX depth apart: the range row under the mouse, not the one below', () => {
    // select start, end, text from NVTX_EVENTS order by start limit 1 → 8140702950|8458742208|step 0
    const nvtxTrack = info.tracks.find((t) => t.lane === 'nvtx')!;
    const vp = viewOf(8100000000, 8500000000);
    const slices = slicesFor(vp, [nvtxTrack.id]);
    const row = rowForTrack(rows, nvtxTrack.id)!;
    const x = vp.timeToX(8300000000);
    const atDepth0 = sliceAt(rows, slices, vp, x, vp.contentToCanvasY(row.y + 1 + NVTX_DEPTH_PX / 2));
    expect(atDepth0).toMatchObject({ lane: 'nvtx', startNs: 8140702950, endNs: 8458742208 });
    const s = slices.get(nvtxTrack.id)!;
    // One row further down there is no nested range in the streams trace.
    expect(bestSliceAt(s, 8300000000, 2 * vp.nsPerPx, 1)).toBe(-1);
  });

  it("a merged slice carries its busy fraction: the merged kernels' time over its span", () => {
    // All of NVTX "step 1" (8458781620..8538177701): stream 17's kernels merge at this zoom.
    const kernelTrack = info.tracks.find((t) => t.lane === 'kernel' && t.streamId === 17)!;
    const vp = viewOf(8458781620, 8538177701);
    const s = slicesFor(vp, [kernelTrack.id]).get(kernelTrack.id)!;
    let k = -1;
    for (let j = 0; j < s.count; j++)
      if (s.eventCount[j] > 1 && vp.timeToX(s.startNs[j]) >= 0 && (k < 0 || s.eventCount[j] > s.eventCount[k])) k = j;
    expect(k).toBeGreaterThanOrEqual(0);
    const row = rowForTrack(rows, kernelTrack.id)!;
    const hit = sliceAt(
      rows,
      slices(kernelTrack.id, s),
      vp,
      vp.timeToX((s.startNs[k] + s.endNs[k]) / 2),
      vp.contentToCanvasY(row.y + row.h / 2),
    )!;
    expect(hit.eventCount).toBe(s.eventCount[k]);
    // Independently from the model: stream 17's kernels inside the slice's span.
    const kt = svc.model(info.traceId).kernels;
    let n = 0,
      busyNs = 0;
    for (let i = 0; i < kt.count; i++) {
      if (kt.streamId[i] === 17 && kt.startNs[i] >= s.startNs[k] && kt.endNs[i] <= s.endNs[k]) {
        n++;
        busyNs += kt.endNs[i] - kt.startNs[i];
      }
    }
    expect(n).toBe(s.eventCount[k]);
    expect(hit.busy).toBeCloseTo(busyNs / (s.endNs[k] - s.startNs[k]), 5);
  });
});
