/**
 * Worker-thread entry of openTraceInWorker (bundled to out/cli/open-worker.cjs): opens one trace
 * with src/core and hands the model back with its typed arrays transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CancelledError } from '../db/db';
import { gpuBusySeries } from '../query/gpu-busy';
import { copyArrays } from '../util/copy-arrays';
import { transferList } from '../util/transfer-list';
import { TraceOpenError } from './errors';
import { openTrace } from './open-trace';
import type { WorkerOpenRequest, WorkerOpenMessage } from './open-in-worker';

const req = workerData as WorkerOpenRequest;
const flag = new Int32Array(req.cancelFlag);
const post = (m: WorkerOpenMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

openTrace(req.path, {
  nsysPath: req.nsysPath,
  timeoutMs: req.timeoutMs,
  shouldCancel: () => Atomics.load(flag, 0) === 1,
  onProgress: (p) => post({ type: 'progress', progress: p }),
  onGpuModel: req.gpuFirst
    ? (model) => {
        // The build goes on with these arrays: the host gets copies, by transfer (copyArrays says why).
        const copy = copyArrays(model);
        post({ type: 'gpu-model', model: copy }, transferList(copy));
        // Built here, after the post, while the host already shows the GPU rows: the host's thread
        // would otherwise build them on the first frame's utilisation request (issue 15; ~0.1 s at
        // 1.5M events, 0.5-2 s at 9M on the loaded 2-core machine). The model's copy is the host's.
        // Its arrays are all new (unions and prefix sums, none of the model's): transferred.
        const series = [...gpuBusySeries(model).values()];
        post({ type: 'gpu-busy', series }, transferList(series));
      }
    : undefined,
  // The host thread keeps the registry: only it can still kill nsys when the process exits.
  onChild: (child) => post({ type: 'child', child }),
}).then(
  (opened) => post({ type: 'done', opened }, transferList(opened.model)),
  (e: unknown) =>
    post({
      type: 'error',
      cancelled: e instanceof CancelledError,
      code: e instanceof TraceOpenError ? e.code : undefined,
      file: e instanceof TraceOpenError ? e.file : undefined,
      message: e instanceof Error ? e.message : String(e),
    }),
);
