// Issue 15's progressive first frame and issue 14's phases, in core: the build reports each table
// with its rows so far, hands over a GPU-only model before the CPU rows are read, and TraceService
// shows that model until the whole one lands, holding back the analyses that need CPU rows.
import { describe, expect, it } from 'vitest';
import { openTrace, type OpenProgress } from '../src/core/io/open-trace';
import type { TraceModel } from '../src/core/model/types';
import { TraceService } from '../src/core/service/trace-service';
import { resolve } from 'node:path';
import { requireFile, sharedTraces, tracePath } from './helpers/paths';
import { itShared } from './helpers/shared-traces';
import { modelDiff } from './helpers/model-diff';

const streams = requireFile(tracePath('tests/fixtures/nsys-2025.3/streams.sqlite'));

async function openProgressively(path: string): Promise<{ model: TraceModel; partial: TraceModel; progress: OpenProgress[] }> {
  const progress: OpenProgress[] = [];
  let partial: TraceModel | undefined;
  let partialAfter = -1;
  const { model } = await openTrace(path, {
    modelCache: false,
    onProgress: (p) => progress.push(p),
    onGpuModel: (m) => {
      expect(partial).toBeUndefined();
      partial = m;
      partialAfter = progress.length;
    },
  });
  expect(partial).toBeDefined();
  // Handed over before the CUDA API table is read.
  expect(progress.slice(partialAfter).some((p) => p.message === 'CUPTI_ACTIVITY_KIND_RUNTIME')).toBe(true);
  return { model, partial: partial!, progress };
}

describe('progressive open', () => {
  it('reports the file, each table, tracks and analyses in order, and hands over the GPU rows first', async () => {
    const { model, partial, progress } = await openProgressively(streams);
    // Phase changes in order (tracks: threads and NVTX nesting, then the rows after the NVTX projection).
    const phases = progress.map((p) => p.phase).filter((p, i, all) => i === 0 || all[i - 1] !== p);
    expect(phases).toEqual(['read', 'tables', 'tracks', 'analyses', 'tracks', 'done']);
    for (let i = 1; i < progress.length; i++) expect(progress[i].fraction).toBeGreaterThanOrEqual(progress[i - 1].fraction);
    expect(progress.at(-1)).toEqual({ phase: 'done', fraction: 1 });
    const tables = progress.filter((p) => p.phase === 'tables').map((p) => p.message);
    expect(tables).toContain('CUPTI_ACTIVITY_KIND_KERNEL');
    expect(tables).toContain('NVTX_EVENTS');

    // The GPU tables are the same rows; the CPU ones are empty; every GPU track is already there.
    expect(partial.kernels.count).toBe(model.kernels.count);
    expect(partial.memcpy.count).toBe(model.memcpy.count);
    expect(partial.api.count).toBe(0);
    expect(partial.nvtx.count).toBe(0);
    expect(partial.threads).toEqual([]);
    expect(partial.tracks.every((t) => t.deviceId !== undefined)).toBe(true);
    const gpuLanes = new Set(['kernel', 'graph', 'memcpy', 'memset']);
    const whole = new Map(model.tracks.map((t) => [t.id, t]));
    expect(partial.tracks.map((t) => t.id)).toEqual(model.tracks.filter((t) => gpuLanes.has(t.lane)).map((t) => t.id));
    for (const t of partial.tracks) expect(Array.from(t.indices)).toEqual(Array.from(whole.get(t.id)!.indices));
    expect(model.tracks.some((t) => t.lane === 'cuda-api')).toBe(true);
    // The capture is known before the CPU rows: the first frame already spans it.
    expect(partial.meta.sessionEndNs).toBe(model.meta.sessionEndNs);
  });

  // The GPU-first open reads the kernel table in two scans (the columns GPU rows are drawn from,
  // then the rest): the model it ends with must be the one a single scan builds.
  for (const [name, path] of [
    ['streams', streams],
    ['cuda_graphs (kernels launched by graph nodes)', resolve(sharedTraces, 'cuda_graphs.sqlite')],
  ] as const) {
    (name === 'streams' ? it : itShared)(`${name}: a GPU-first open ends with the model a plain open builds`, async () => {
      const { model, partial } = await openProgressively(path);
      const { model: plain } = await openTrace(path, { modelCache: false });
      expect(model.kernels.count).toBeGreaterThan(0);
      expect(modelDiff(model, plain)).toEqual([]);
      // The GPU rows' columns are the final arrays; the details are empty until the second scan.
      expect(partial.kernels.startNs).toBe(model.kernels.startNs);
      expect(partial.kernels.shortNameId).toBe(model.kernels.shortNameId);
      expect(partial.kernels.gridX.length).toBe(0);
      expect(partial.kernels.correlationId.length).toBe(0);
    });
  }

  itShared('names the table and its rows so far while a long table is read', async () => {
    // llm_eager_pageable: `sqlite3 … "select max(rowid) from CUPTI_ACTIVITY_KIND_RUNTIME"` says 66106;
    // the reader reports once per 65536 rows read.
    const { progress } = await openProgressively(resolve(sharedTraces, 'llm_eager_pageable.sqlite'));
    expect(progress.filter((p) => p.message?.startsWith('CUPTI_ACTIVITY_KIND_RUNTIME: ')).map((p) => p.message)).toEqual([
      'CUPTI_ACTIVITY_KIND_RUNTIME: 65,536 of ~66,106 rows',
    ]);
  });

  it('TraceService shows the GPU rows while loading, holds back analyses, then swaps in the whole trace', async () => {
    const { model, partial } = await openProgressively(streams);
    const service = new TraceService();
    const id = service.addLoading(partial, 'streams.sqlite', { phase: 'tables', fraction: 0.4, message: 'CUPTI_ACTIVITY_KIND_RUNTIME' });
    const early = service.getTraceInfo(id);
    expect(early.loading).toEqual({ phase: 'tables', fraction: 0.4, message: 'CUPTI_ACTIVITY_KIND_RUNTIME' });
    expect(early.tracks.length).toBe(partial.tracks.length);
    service.setLoading(id, { phase: 'tracks', fraction: 0.95 });
    expect(service.getTraceInfo(id).loading).toEqual({ phase: 'tracks', fraction: 0.95 });

    let waited = false;
    const wait = service.whenLoaded([id])!.then(() => (waited = true));
    expect(service.whenLoaded(['another id', 3])).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    expect(waited).toBe(false);

    service.complete(id, model);
    await wait;
    const info = service.getTraceInfo(id);
    expect(info.loading).toBeUndefined();
    expect(info.tracks.length).toBe(model.tracks.length);
    expect(info.counts.api).toBe(model.api.count);
    expect(service.whenLoaded([id])).toBeUndefined();

    // Removing a loading trace (Cancel) releases whoever waited for it.
    const id2 = service.addLoading(partial, 'streams.sqlite', { phase: 'tables', fraction: 0.4 });
    const wait2 = service.whenLoaded([id2])!;
    expect(service.remove(id2)).toBe(true);
    await wait2;
  });
});
