// Renderer row layout and slice-cache window policy (pure code, no browser) on real TraceInfo;
// here rather than beside the renderer because it opens the trace with core/io.
import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { openTrace } from '../../src/core/io/open-trace';
import { TraceService } from '../../src/core/service/trace-service';
import type { TraceInfo } from '../../src/shared/bridge';
import { buildRowTree, GROUP_ROW_PX, LANE_ROW_PX, layoutRows, rowAtY, rowForTrack } from '../../src/renderer/timeline/layout';
import { windowCovers, windowFor } from '../../src/renderer/timeline/slice-cache';

let info: TraceInfo;
beforeAll(async () => {
  const svc = new TraceService();
  const { model, name } = await openTrace(resolve(__dirname, '../fixtures/nsys-2025.3/multiproc.sqlite'));
  info = svc.getTraceInfo(svc.add(model, name));
});

describe('row layout (multiproc trace: parent + 2 worker processes on one H100)', () => {
  it('groups GPU streams by process and threads by process', () => {
    const roots = buildRowTree(info);
    const gpu = roots.find((r) => r.key === 'gpu:0')!;
    expect(gpu.label).toBe('GPU 0 · NVIDIA H100 80GB HBM3');
    // Several processes share the GPU, so stream rows name their pid.
    expect(gpu.children.every((s) => /^Stream \d+ \(pid \d+\)$/.test(s.label))).toBe(true);
    const kernelTracks = info.tracks.filter((t) => t.lane === 'kernel').map((t) => t.id).sort();
    expect(gpu.trackIds.filter((id) => id.endsWith('/kernel')).sort()).toEqual(kernelTracks);
    const procs = roots.filter((r) => r.key.startsWith('proc:'));
    expect(procs.map((p) => p.key).sort()).toEqual([...new Set(info.tracks.filter((t) => t.tid !== undefined).map((t) => `proc:${t.pid}`))].sort());
  });

  it('stacks rows, hides collapsed children and maps tracks to the collapsed row', () => {
    const roots = buildRowTree(info);
    const open = layoutRows(roots, new Set());
    for (let k = 1; k < open.rows.length; k++) expect(open.rows[k].y).toBe(open.rows[k - 1].y + open.rows[k - 1].h);
    const kernel = info.tracks.find((t) => t.lane === 'kernel')!;
    const laneRow = rowForTrack(open.rows, kernel.id)!;
    expect(laneRow.node.kind).toBe('lane');
    expect(laneRow.h).toBe(LANE_ROW_PX);
    expect(rowAtY(open.rows, laneRow.y + 3)).toBe(laneRow);

    const closed = layoutRows(roots, new Set(['gpu:0']));
    const gpuRow = rowForTrack(closed.rows, kernel.id)!;
    expect(gpuRow.node.key).toBe('gpu:0');
    expect(gpuRow.collapsed).toBe(true);
    expect(gpuRow.h).toBe(GROUP_ROW_PX);
    expect(closed.heightPx).toBeLessThan(open.heightPx);
  });
});

describe('slice cache window', () => {
  it('covers the view with ~3× its span and survives small pans and zooms', () => {
    const w = windowFor(1e9, 2e9, 1000);
    expect(w.q).toBe(2 ** Math.floor(Math.log2(1e6)));
    expect(w.t0).toBeLessThanOrEqual(0); // one span of margin: 1e9 - 1e9
    expect(w.t1).toBeGreaterThanOrEqual(3e9);
    expect(w.t1 - w.t0).toBeLessThan(5 * 1e9); // at most the margins plus a chunk each side
    expect(w.widthPx).toBe(Math.round((w.t1 - w.t0) / w.q));
    expect(windowCovers(w, 1e9, 2e9, 1000)).toBe(true);
    expect(windowCovers(w, 1.1e9, 2.1e9, 1000)).toBe(true); // pan by 10%
    expect(windowCovers(w, 1.9e9, 2.9e9, 1000)).toBe(true); // pan by 90%
    expect(windowCovers(w, 1e9, 1.9e9, 1000)).toBe(true); // zoom in 10%
    expect(windowCovers(w, 1.2e9, 1.6e9, 1000)).toBe(false); // zoom in 2.5×: finer resolution needed
    expect(windowCovers(w, 5e9, 6e9, 1000)).toBe(false); // far away
  });
});
