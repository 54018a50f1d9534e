import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../db/db';
import { TraceOpenError, type TraceErrorCode } from './errors';
import { killNsys, trackLiveNsys, type LiveNsys } from './nsys-export';
import type { TraceModel } from '../model/types';
import type { GpuBusySeries } from '../query/gpu-busy';
import type { OpenedTrace, OpenProgress, OpenTraceOptions } from './open-trace';

export interface WorkerOpenRequest {
  path: string;
  nsysPath?: string;
  timeoutMs?: number;
  /** Int32 flag: 1 = cancel (the model build is synchronous between yields, so a message would wait). */
  cancelFlag: SharedArrayBuffer;
  /** Post the GPU-first model (OpenTraceOptions.onGpuModel) before the whole one. */
  gpuFirst?: boolean;
}

export type WorkerOpenMessage =
  | { type: 'progress'; progress: OpenProgress }
  /** Its arrays are copies made for the host, transferred: the worker keeps building the whole model on the originals. */
  | { type: 'gpu-model'; model: TraceModel }
  /** The GPU-first model's busy series, built right after it was posted (transferred). */
  | { type: 'gpu-busy'; series: GpuBusySeries[] }
  | { type: 'child'; child: LiveNsys | null }
  | { type: 'done'; opened: OpenedTrace }
  | { type: 'error'; cancelled: boolean; code?: TraceErrorCode; file?: string; message: string };

const CANCEL_GRACE_MS = 3000;

/**
 * openTrace on a worker thread, the model moved back by transfer (its typed arrays change owner,
 * nothing is copied). The calling thread stays free while sql.js reads the tables — the `serve`
 * host keeps serving the page meanwhile, as the desktop app's trace worker keeps Electron main free.
 * `workerFile` is the bundled src/core/io/open-worker-main.ts (out/cli/open-worker.cjs).
 */
export function openTraceInWorker(
  path: string,
  workerFile: string,
  opts: Pick<OpenTraceOptions, 'nsysPath' | 'timeoutMs' | 'onProgress' | 'shouldCancel' | 'onGpuModel'> & {
    /**
     * With onGpuModel: the GPU rows' busy series (core/query/gpu-busy.ts), built on the worker while
     * the host shows the GPU-first model, so the host's thread need not build them for the first
     * frame's utilisation (issue 15). Hand them to TraceService.seedGpuBusy.
     */
    onGpuBusy?: (series: GpuBusySeries[]) => void;
  } = {},
): Promise<OpenedTrace> {
  if (!existsSync(workerFile)) return Promise.reject(new Error(`The trace worker ${workerFile} is not built: run npm run build.`));
  const cancelFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(cancelFlag);
  const request: WorkerOpenRequest = {
    path,
    nsysPath: opts.nsysPath,
    timeoutMs: opts.timeoutMs,
    cancelFlag,
    ...(opts.onGpuModel ? { gpuFirst: true } : {}),
  };
  const worker = new Worker(workerFile, { workerData: request });
  let child: LiveNsys | null = null;
  let untrackChild: (() => void) | null = null;
  return new Promise<OpenedTrace>((resolve, reject) => {
    let settled = false;
    let cancelledAtMs = 0;
    const poll = opts.shouldCancel
      ? setInterval(() => {
          if (!opts.shouldCancel?.()) return;
          Atomics.store(flag, 0, 1);
          // The worker polls the flag every 65536 rows; one that does not answer (a statement that
          // runs long between polls) is ended. The grace covers nsys's own SIGTERM→SIGKILL (2 s).
          if (!cancelledAtMs) cancelledAtMs = Date.now();
          else if (Date.now() - cancelledAtMs > CANCEL_GRACE_MS) finish(() => reject(new CancelledError()));
        }, 50)
      : undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (poll) clearInterval(poll);
      void worker.terminate();
      // A worker ended before its nsys exited: stop that nsys here.
      if (child) {
        killNsys(child);
        child = null;
      }
      fn();
    };
    worker.on('message', (m: WorkerOpenMessage) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'gpu-model') {
        if (!settled) opts.onGpuModel?.(m.model);
      } else if (m.type === 'gpu-busy') {
        if (!settled) opts.onGpuBusy?.(m.series);
      } else if (m.type === 'child') {
        untrackChild?.();
        child = m.child;
        untrackChild = m.child ? trackLiveNsys(m.child) : null;
      } else if (m.type === 'done') finish(() => resolve(m.opened));
      else if (m.cancelled) finish(() => reject(new CancelledError()));
      else finish(() => reject(m.code ? new TraceOpenError(m.code, m.message, m.file) : new Error(m.message)));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`The trace worker stopped (exit ${code}) before ${path} was open.`))));
  });
}
