// Issue 15: serve's first-frame utilisation comes from the busy series the open's worker builds
// after the GPU-first model; the server waits for them instead of building them a second time on
// its own thread (which also serves the page's files).
import { resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import type { TraceModel } from '../src/core/model/types';
import { gpuBusySeries, type GpuBusySeries } from '../src/core/query/gpu-busy';
import { decodeMessage } from '../src/core/service/wire-codec';
import { startServer, type RunningServer, type ServeOpen, type ServeTrace } from '../src/server/server';

let server: RunningServer | undefined;
afterAll(() => server?.close());

it("waits for the open's busy series for the GPU rows' utilisation, then answers from them", async () => {
  let partial: TraceModel | undefined;
  const { model: whole } = await openTrace(resolve(__dirname, 'fixtures/nsys-2025.3/streams.sqlite'), {
    modelCache: false,
    onGpuModel: (m) => (partial = m),
  });
  // Built as the worker builds them, on a copy of the GPU-first model (what the worker posts is a copy).
  const built: GpuBusySeries[] = [...gpuBusySeries({ ...partial! }).values()];
  let finish!: (t: ServeTrace) => void;
  const open: ServeOpen = {
    name: 'streams.sqlite',
    done: new Promise((r) => (finish = r)),
    progress: () => ({ phase: 'tables', fraction: 0.5 }),
    cancel: () => {},
    buildsGpuBusy: true,
  };
  server = await startServer({ traces: [], opens: [open] });
  open.onGpuModel!(partial!);
  const call = async (method: string, args: unknown[]) => {
    const r = await fetch(`http://127.0.0.1:${server!.port}/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': server!.token },
      body: JSON.stringify(args),
    });
    return decodeMessage(await r.arrayBuffer()) as { ok: boolean; value: unknown };
  };
  const [trace] = (await call('listTraces', [])).value as { traceId: string }[];
  const key = built[0].key;
  let answered = false;
  const util = call('getUtilisation', [trace.traceId, [key], whole.meta.firstEventNs, whole.meta.lastEventNs, 100]).then((r) => {
    answered = true;
    return r;
  });
  await new Promise((r) => setTimeout(r, 300));
  expect(answered).toBe(false);
  open.onGpuBusy!(built);
  const r = await util;
  expect(r.ok).toBe(true);
  expect((r.value as Float64Array[])[0].length).toBe(100);
  // The service answered from the posted series, not from ones it built itself.
  expect(gpuBusySeries(partial!).get(key)).toBe(built[0]);
  finish({ model: whole, name: 'streams.sqlite' });
});
