import { beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import { buildCorrelation } from '../src/core/model/correlation';
import type { TraceModel } from '../src/core/model/types';
import { lodSlices } from '../src/core/query/lod';
import { eventDetails } from '../src/core/service/details';
import { searchEvents } from '../src/core/service/search';
import { requireFile, tracePath } from './helpers/paths';

/**
 * The "NVTX (projected)" row (lane 'nvtx-gpu') on graphs_default (nsys 2025.3.1, H200): 50 "eager"
 * and 50 "graph replay" ranges on one thread of pid 583. Expected figures from sqlite3 on the file,
 * joining each range's CUDA runtime calls on its thread (start within the range) to kernel, memcpy
 * and graph-trace rows by correlationId and globalPid:
 *   100 ranges launched 900 GPU ops, all on device 0
 *   first eager:        CPU 2579734179..2581354783, GPU 2580325801..2581340259, 16 ops
 *   first graph replay: CPU 2581362992..2581664207, GPU 2581521250..2581724672, 2 ops
 *   last graph replay:  CPU 2623636470..2623722560, GPU 2623674417..2623784752, 2 ops
 */
const FILE = tracePath('shared:graphs_default.sqlite');
let model: TraceModel;
beforeAll(async () => {
  model = (await openTrace(requireFile(FILE))).model;
}, 60_000);

const row = (cpuStart: number) => {
  const p = model.nvtxGpu;
  for (let k = 0; k < p.count; k++) if (model.nvtx.startNs[p.nvtxIndex[k]] === cpuStart) return k;
  return -1;
};

describe('NVTX projected onto the GPU as a timeline row (graphs_default)', () => {
  it('places each range at the first start and last end of the GPU work it launched', () => {
    const p = model.nvtxGpu;
    expect(p.count).toBe(100);
    let ops = 0;
    for (let k = 0; k < p.count; k++) ops += p.gpuOps[k];
    expect(ops).toBe(900);
    expect(new Set(p.deviceId)).toEqual(new Set([0]));
    const cases = [
      { name: 'eager', cpu: [2579734179, 2581354783], gpu: [2580325801, 2581340259], ops: 16 },
      { name: 'graph replay', cpu: [2581362992, 2581664207], gpu: [2581521250, 2581724672], ops: 2 },
      { name: 'graph replay', cpu: [2623636470, 2623722560], gpu: [2623674417, 2623784752], ops: 2 },
    ];
    for (const c of cases) {
      const k = row(c.cpu[0]);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(model.strings[p.nameId[k]]).toBe(c.name);
      expect(model.nvtx.endNs[p.nvtxIndex[k]]).toBe(c.cpu[1]);
      expect([p.startNs[k], p.endNs[k]]).toEqual(c.gpu);
      expect(p.gpuOps[k]).toBe(c.ops);
    }
  });

  it("is one track under GPU 0 for pid 583, with the range's CPU and GPU spans in its details", () => {
    const tracks = model.tracks.filter((t) => t.lane === 'nvtx-gpu');
    expect(tracks.map((t) => t.id)).toEqual(['gpu/0/583/nvtx-gpu']);
    const t = tracks[0];
    expect(t.indices.length).toBe(100);
    const slices = lodSlices(model, t, 2581362992, 2581724672, 100000);
    expect(slices.count).toBeGreaterThan(0);
    const k = row(2581362992);
    const d = eventDetails(model, buildCorrelation(model), 'nvtx-gpu', k);
    const f = new Map(d.fields);
    expect(f.get('Name')).toBe('graph replay');
    expect(f.get('CPU start (ns)')).toBe(2581362992);
    expect(f.get('CPU end (ns)')).toBe(2581664207);
    expect(f.get('Start (ns)')).toBe(2581521250);
    expect(f.get('End (ns)')).toBe(2581724672);
    expect(f.get('GPU ops launched')).toBe(2);
    expect(d.trackId).toBe('gpu/0/583/nvtx-gpu');
  });
});

describe('search and the projected row (graphs_default)', () => {
  it('lists each NVTX range once by default, the projections only when asked for', () => {
    const all = searchEvents(model, { text: 'graph replay', regex: false, limit: 1000 });
    expect(all.hits.filter((h) => h.lane === 'nvtx-gpu')).toHaveLength(0);
    expect(all.hits.filter((h) => h.lane === 'nvtx')).toHaveLength(50);
    const projected = searchEvents(model, { text: 'graph replay', regex: false, lanes: ['nvtx-gpu'], limit: 1000 });
    expect(projected.hits).toHaveLength(50);
  });
});
