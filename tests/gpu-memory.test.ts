import { beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import type { TraceModel } from '../src/core/model/types';
import { TraceService } from '../src/core/service/trace-service';
import { requireFile, tracePath } from './helpers/paths';

/**
 * llm_eager_pageable was recorded with --cuda-memory-usage=true (nsys 2025.3.1, H100). From sqlite3:
 *   SELECT deviceId, count(*), sum(bytes), min(start), max(start) FROM CUDA_GPU_MEMORY_USAGE_EVENTS
 *     WHERE memKind NOT IN (0, 1)           -- pageable and pinned are host memory
 *   → 0 | 15611 | 558096994 | 20456487365 | 26375650289   (allocations only: PyTorch's caching allocator never frees)
 *   the same with start <= 24000000000 → 555962987 bytes
 */
const FILE = tracePath('shared:llm_eager_pageable.sqlite');
let model: TraceModel;
beforeAll(async () => {
  model = (await openTrace(requireFile(FILE))).model;
}, 60_000);

describe('GPU memory in use (CUDA_GPU_MEMORY_USAGE_EVENTS)', () => {
  it('is a step counter per GPU, host memory left out', () => {
    const g = model.gpuMemory;
    expect(g.count).toBe(15611);
    expect(new Set(g.deviceId)).toEqual(new Set([0]));
    expect(g.startNs[0]).toBe(20456487365);
    expect(g.bytesInUse[g.count - 1]).toBe(558096994);
    const at = (t: number) => {
      for (let k = 0; k < g.count; k++) if (g.startNs[k] <= t && t < g.endNs[k]) return g.bytesInUse[k];
      return NaN;
    };
    expect(at(24_000_000_000)).toBe(555962987);
    const track = model.tracks.find((t) => t.lane === 'gpu-memory');
    expect(track).toMatchObject({ id: 'gpu/0/memory', deviceId: 0, counterMax: 558096994 });
    expect(track?.indices.length).toBe(15611);
  });

  it('reaches the timeline as slices carrying the level, the peak kept when zoomed out', () => {
    const svc = new TraceService();
    const id = svc.add(model, 'llm_eager_pageable.sqlite');
    const info = svc.getTraceInfo(id);
    expect(info.tracks.find((t) => t.id === 'gpu/0/memory')?.counterMax).toBe(558096994);
    const [s] = svc.getSlices(id, [{ trackId: 'gpu/0/memory', t0: info.sessionStartNs, t1: info.sessionEndNs, widthPx: 200 }]);
    expect(s.value).toBeDefined();
    expect(Math.max(...s.value!)).toBe(558096994);
    const d = svc.getEventDetails(id, 'gpu-memory', model.gpuMemory.count - 1);
    expect(Object.fromEntries(d.fields)).toMatchObject({ Device: 0, 'In use (bytes)': 558096994 });
  });
});
