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
 * The worker's side: opens one window's trace with src/core, plus at most one more to compare with,
 * and answers bridge calls on them. Calls arrive
 * already checked by main (src/main/logic/ipc-guards.ts); the service still checks meaning.
 */
export function createWorkerHandler(port: WorkerPort, defaults: Pick<OpenTraceOptions, 'env' | 'timeoutMs'> = {}) {
  const service = new TraceService();
  let opened = false;
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
  }

  const eventCount = (m: TraceModel) => m.kernels.count + m.memcpy.count + m.memset.count + m.api.count + m.nvtx.count + m.osrt.count;

  return {
    handle(msg: ToWorker): Promise<void> | void {
      if (msg.type === 'open') return open(msg);
      if (msg.type === 'call') return call(msg);
    },
  };
}
