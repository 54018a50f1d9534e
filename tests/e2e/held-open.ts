// A trace open the test holds (issue 15's progressive first frame): streams.sqlite's GPU-first and
// whole models, read up front, handed to `serve` as a ServeOpen whose GPU rows and CPU rows land
// when the test says, so "still opening" is the test's to decide, not a race with the machine.
import { resolve } from 'node:path';
import { openTrace } from '../../src/core/io/open-trace';
import type { LoadingState } from '../../src/core/service/types';
import { startServer, type RunningServer, type ServeOpen } from '../../src/server/server';

export interface HeldOpen {
  server: RunningServer;
  /** Shows the GPU rows (the GPU-first model). */
  gpuRowsLand(): void;
  /** Ends the open with the whole model: the CPU rows land. */
  cpuRowsLand(): void;
}

export async function serveHeldOpen(progress: () => LoadingState): Promise<HeldOpen> {
  const name = 'streams.sqlite';
  let partial: Parameters<NonNullable<ServeOpen['onGpuModel']>>[0] | undefined;
  const { model: whole } = await openTrace(resolve(__dirname, '../fixtures/nsys-2025.3', name), {
    modelCache: false,
    onGpuModel: (m) => {
      partial = m;
    },
  });
  let finish!: () => void;
  const open: ServeOpen = {
    name,
    done: new Promise((r) => (finish = () => r({ model: whole, name }))),
    progress,
    cancel: () => {},
  };
  const server = await startServer({ traces: [], opens: [open] });
  return { server, gpuRowsLand: () => open.onGpuModel!(partial!), cpuRowsLand: finish };
}
