import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../src/core/db/db';
import { TraceOpenError } from '../src/core/io/errors';
import { openTraceInWorker } from '../src/core/io/open-in-worker';
import { openTrace, type OpenProgress } from '../src/core/io/open-trace';
import type { TraceModel } from '../src/core/model/types';
import { gpuBusySeries, type GpuBusySeries } from '../src/core/query/gpu-busy';
import { TraceService } from '../src/core/service/trace-service';
import { modelDiff } from './helpers/model-diff';
import { repoRoot } from './helpers/paths';

const WORKER = join(repoRoot, 'out/cli/open-worker.cjs');
const STREAMS = resolve(__dirname, 'fixtures/nsys-2025.3/streams.sqlite');

beforeAll(() => {
  // `npm test` builds first; a single run of this file builds the worker bundle itself.
  if (!existsSync(WORKER)) expect(spawnSync('node', ['scripts/build-cli.mjs'], { cwd: repoRoot }).status).toBe(0);
});

describe('openTraceInWorker', () => {
  it('hands back the same model as an in-process open, with progress', async () => {
    const progress: OpenProgress[] = [];
    const [viaWorker, direct] = await Promise.all([
      openTraceInWorker(STREAMS, WORKER, { onProgress: (p) => progress.push(p) }),
      openTrace(STREAMS),
    ]);
    const a = viaWorker.model;
    const b = direct.model;
    expect(a.meta).toEqual(b.meta);
    expect(a.tracks.map((t) => [t.id, t.indices.length, t.maxDurNs, t.depthCount])).toEqual(
      b.tracks.map((t) => [t.id, t.indices.length, t.maxDurNs, t.depthCount]),
    );
    expect(a.kernels.startNs).toEqual(b.kernels.startNs);
    expect(a.kernels.gridX).toEqual(b.kernels.gridX);
    expect(a.memcpy.bytes).toEqual(b.memcpy.bytes);
    expect(a.api.correlationId).toEqual(b.api.correlationId);
    expect(a.nvtx.depth).toEqual(b.nvtx.depth);
    expect(a.strings).toEqual(b.strings);
    expect([...a.enums.memcpyOper.labels]).toEqual([...b.enums.memcpyOper.labels]);
    expect(a.kernels.startNs).toBeInstanceOf(Float64Array);
    expect(progress.at(-1)).toEqual({ phase: 'done', fraction: 1 });
  });

  it("builds the GPU-first model's busy series on the worker, after posting the model; the service uses them for both models", async () => {
    const order: string[] = [];
    let gpuModel: TraceModel | undefined;
    let series: GpuBusySeries[] = [];
    const { model } = await openTraceInWorker(STREAMS, WORKER, {
      onGpuModel: (m) => {
        order.push('model');
        gpuModel = m;
      },
      onGpuBusy: (s) => {
        order.push('busy');
        series = s;
      },
    });
    expect(order).toEqual(['model', 'busy']);
    // The GPU-first model arrives as copies of the worker's arrays (transferred): the very model an
    // in-process GPU-first open hands over (as it was then: the build goes on to add NVTX names).
    let inProcess: TraceModel | undefined;
    await openTrace(STREAMS, { modelCache: false, onGpuModel: (m) => (inProcess = structuredClone(m)) });
    expect(gpuModel!.kernels.count).toBeGreaterThan(0);
    expect(modelDiff(gpuModel, inProcess)).toEqual([]);
    // The same series an in-process build makes from the whole model.
    const expected = gpuBusySeries(model);
    expect(series.map((s) => s.key)).toEqual([...expected.keys()]);
    for (const s of series) {
      const e = expected.get(s.key)!;
      expect([s.spans.startNs, s.spans.endNs, s.cum, s.spans.busyNs]).toEqual([e.spans.startNs, e.spans.endNs, e.cum, e.spans.busyNs]);
    }
    // serve's service answers the first frame's utilisation from them, and keeps them for the whole model.
    const svc = new TraceService();
    const id = svc.addLoading(gpuModel!, 'streams.sqlite', { phase: 'tables', fraction: 0.5 });
    svc.seedGpuBusy(id, series);
    const whole = (await openTrace(STREAMS, { modelCache: false })).model;
    svc.complete(id, whole);
    for (const s of series) expect(gpuBusySeries(whole).get(s.key)).toBe(s);
    expect(gpuBusySeries(gpuModel!).get(series[0].key)).toBe(series[0]);
  });

  it('reports a bad file with the same one-line TraceOpenError as in-process', async () => {
    const missing = resolve(__dirname, 'fixtures/no such trace.sqlite');
    const inProcess = await openTrace(missing).catch((e: unknown) => e);
    const inWorker = await openTraceInWorker(missing, WORKER).catch((e: unknown) => e);
    expect(inWorker).toBeInstanceOf(TraceOpenError);
    expect((inWorker as TraceOpenError).message).toBe((inProcess as TraceOpenError).message);
    expect((inWorker as TraceOpenError).code).toBe((inProcess as TraceOpenError).code);
  });

  it('cancels', async () => {
    const big = resolve(repoRoot, '../shared/traces/llm_eager_pageable.sqlite');
    let calls = 0;
    const r = await openTraceInWorker(existsSync(big) ? big : STREAMS, WORKER, { shouldCancel: () => ++calls > 0 }).catch(
      (e: unknown) => e,
    );
    expect(r).toBeInstanceOf(CancelledError);
  });
});
