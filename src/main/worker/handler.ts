import { CancelledError } from '../../core/db/db';
import { TraceOpenError, describeError } from '../../core/io/errors';
import { openTrace, type OpenTraceOptions } from '../../core/io/open-trace';
import { ServiceError, TraceService } from '../../core/service/trace-service';
import type { Result } from '../../shared/bridge';
import { answersEarly, dispatchBridgeCall, isBridgeMethod, isTransferred, type BridgeArgs } from '../../shared/bridge-table';
import { sniffTrace } from '../../core/io/sniff';
import type { TraceModel } from '../../core/model/types';
import { basename } from 'node:path';
import { transferList } from '../../core/util/transfer-list';
import type { FromWorker, OpenFailureCode, ToWorker } from './protocol';

export interface WorkerPort {
  postMessage(msg: FromWorker, transfer?: ArrayBuffer[]): void;
}

/**
 * The first-frame hold (below): how long the CPU rows wait at most, and how long without a call,
 * once the first slices were answered, counts as the first frame drawn.
 */
export const FIRST_FRAME_HOLD_MAX_MS = 3000;
export const FIRST_FRAME_QUIET_MS = 150;

/**
 * The worker's side: opens one window's trace with src/core, plus at most one more to compare with,
 * and answers bridge calls on them. Calls arrive
 * already checked by main (src/main/logic/ipc-guards.ts); the service still checks meaning.
 */
export function createWorkerHandler(
  port: WorkerPort,
  defaults: Pick<OpenTraceOptions, 'env' | 'timeoutMs'> & { firstFrameHoldMaxMs?: number; firstFrameQuietMs?: number } = {},
) {
  const service = new TraceService();
  let opened = false;
  /**
   * First-frame hold (issue 15). This thread reads the CPU rows, each table in one synchronous scan
   * (0.3 s for 1M CUDA API rows, seconds at 9M events), and answers the page only between them, so
   * a first frame asked for just after the GPU rows waited behind the API table. Once the page is
   * known to be there (the open said so: the spare window; or one of its calls arrived), the build
   * waits at its next table boundary until the page has had its first slices and gone quiet for
   * FIRST_FRAME_QUIET_MS, or FIRST_FRAME_HOLD_MAX_MS passed, or the open was cancelled. Once per open.
   */
  const frame = {
    gpuRowsOut: false,
    pageSeen: false,
    sliced: false,
    done: false,
    quiet: undefined as ReturnType<typeof setTimeout> | undefined,
  };
  let release: (() => void) | null = null;
  const holdMaxMs = defaults.firstFrameHoldMaxMs ?? FIRST_FRAME_HOLD_MAX_MS;
  const quietMs = defaults.firstFrameQuietMs ?? FIRST_FRAME_QUIET_MS;
  const startQuiet = () => {
    clearTimeout(frame.quiet);
    frame.quiet = setTimeout(() => release?.(), quietMs);
  };
  const holdForFirstFrame = (flag: Int32Array): Promise<void> | void => {
    if (!frame.gpuRowsOut || frame.done || !frame.pageSeen) return;
    return new Promise<void>((resolve) => {
      const cap = setTimeout(() => release?.(), holdMaxMs);
      const poll = setInterval(() => {
        if (Atomics.load(flag, 0) === 1) release?.();
      }, 25);
      release = () => {
        release = null;
        frame.done = true;
        clearTimeout(cap);
        clearInterval(poll);
        clearTimeout(frame.quiet);
        resolve();
      };
      // The slices may have been answered already, at the boundary that let the page's calls in.
      if (frame.sliced) startQuiet();
    });
  };
  /** The compare trace held now: a new compare open replaces it, so the heap holds two traces at most. */
  let compareId: string | null = null;

  async function open(msg: Extract<ToWorker, { type: 'open' }>): Promise<void> {
    if (msg.compare) {
      if (!opened) return port.postMessage({ type: 'open-failed', code: 'internal', error: 'Open a trace before one to compare with.' });
      // The compare trace held now is replaced at once, whatever becomes of this open: main has already
      // forgotten its id (TraceRegistry.addCompare), so keeping it until this open succeeded leaked its
      // whole model when the open failed or was cancelled; and the heap never holds three traces.
      if (compareId) service.remove(compareId);
      compareId = null;
    } else {
      if (opened) return port.postMessage({ type: 'open-failed', code: 'internal', error: 'This trace worker already holds a trace.' });
      opened = true;
    }
    const flag = new Int32Array(msg.cancelFlag);
    if (!msg.compare) Object.assign(frame, { gpuRowsOut: false, pageSeen: msg.pageWaiting === true, sliced: false, done: false });
    let lastPhase = '';
    let lastPct = -1;
    let lastAtMs = 0;
    /** The GPU-first model's id (the window's own trace only: a compare open waits for the whole model). */
    let earlyId: string | null = null;
    try {
      const t = await openTrace(msg.path, {
        ...defaults,
        nsysPath: msg.nsysPath,
        cacheDir: msg.cacheDir,
        shouldCancel: () => Atomics.load(flag, 0) === 1,
        betweenTables: msg.compare ? undefined : () => holdForFirstFrame(flag),
        onProgress: (p) => {
          const fraction = Math.min(1, Math.max(0, p.fraction));
          if (earlyId) service.setLoading(earlyId, { phase: p.phase, fraction, ...(p.message ? { message: p.message } : {}) });
          // A few messages a second at most (the model reports every 65536 rows), and each phase and table.
          const pct = Math.floor(fraction * 100);
          const now = Date.now();
          const step = `${p.phase} ${p.message?.split(':')[0] ?? ''}`;
          if (step === lastPhase && p.phase !== 'done' && (pct === lastPct || now - lastAtMs < 100)) return;
          lastPhase = step;
          lastPct = pct;
          lastAtMs = now;
          port.postMessage({ type: 'progress', phase: p.phase, fraction, ...(p.message ? { message: p.message } : {}) });
        },
        onGpuModel: msg.compare
          ? undefined
          : (partial) => {
              earlyId = service.addLoading(partial, basename(msg.path), { phase: 'tables', fraction: 0 });
              frame.gpuRowsOut = true;
              let fromReport = false;
              try {
                fromReport = sniffTrace(msg.path).kind === 'nsys-report';
              } catch {
                // Moved away since it was read: only the label of the open is affected.
              }
              port.postMessage({
                type: 'opened',
                name: basename(msg.path),
                workerTraceId: earlyId,
                fromReport,
                events: eventCount(partial),
                loading: true,
              });
            },
      });
      if (earlyId) {
        service.complete(earlyId, t.model);
        port.postMessage({ type: 'loaded' });
        return;
      }
      const workerTraceId = service.add(t.model, t.name);
      if (msg.compare) compareId = workerTraceId;
      port.postMessage({ type: 'opened', name: t.name, workerTraceId, fromReport: t.fromReport, events: eventCount(t.model) });
    } catch (e) {
      const failed: { code: OpenFailureCode; error: string } =
        e instanceof CancelledError
          ? { code: 'cancelled', error: 'Cancelled' }
          : e instanceof TraceOpenError
            ? { code: e.code, error: e.message }
            : { code: 'internal', error: `Opening failed unexpectedly: ${describeError(e)}` };
      if (earlyId) {
        // The GPU rows were shown: the trace goes, the page learns it from main (or from getTraceInfo).
        service.remove(earlyId);
        port.postMessage({ type: 'load-failed', ...failed });
      } else port.postMessage({ type: 'open-failed', ...failed });
    }
  }

  async function call(msg: Extract<ToWorker, { type: 'call' }>): Promise<void> {
    if (frame.gpuRowsOut && !frame.done) frame.pageSeen = true;
    let result: Result<unknown>;
    try {
      // Only the bridge's methods (the table): TraceService also has add/remove/model, which no page may reach.
      // Arguments were checked by main against the same table (src/main/logic/ipc-guards.ts).
      if (!isBridgeMethod(msg.method)) throw new ServiceError(`Unknown method "${String(msg.method).slice(0, 40)}".`);
      // Analyses need the CPU rows: while they load (the build yields between tables), these wait.
      if (!answersEarly(msg.method)) await service.whenLoaded(msg.args);
      result = { ok: true, value: await dispatchBridgeCall(service, msg.method, msg.args as BridgeArgs<typeof msg.method>) };
    } catch (e) {
      result = { ok: false, error: e instanceof ServiceError ? e.message : `${msg.method} failed: ${describeError(e)}` };
    }
    const transfer = result.ok && isTransferred(msg.method) ? transferList(result.value) : [];
    port.postMessage({ type: 'result', callId: msg.callId, result }, transfer);
    // First-frame hold: the first slices start the quiet wait; each later call starts it again.
    if (frame.gpuRowsOut && !frame.done) {
      if (msg.method === 'getSlices') frame.sliced = true;
      if (frame.sliced && release) startQuiet();
    }
  }

  const eventCount = (m: TraceModel) => m.kernels.count + m.memcpy.count + m.memset.count + m.api.count + m.nvtx.count + m.osrt.count;

  return {
    handle(msg: ToWorker): Promise<void> | void {
      if (msg.type === 'open') return open(msg);
      if (msg.type === 'call') return call(msg);
    },
  };
}
