import { CancelledError } from '../../core/db/db';
import { TraceOpenError, describeError } from '../../core/io/errors';
import { openTrace, type OpenTraceOptions } from '../../core/io/open-trace';
import { ServiceError, TraceService } from '../../core/service/trace-service';
import type { Result } from '../../shared/bridge';
import { dispatchBridgeCall, isBridgeMethod, isTransferred, type BridgeArgs } from '../../shared/bridge-table';
import { transferList } from '../../core/util/transfer-list';
import type { FromWorker, ToWorker } from './protocol';

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
    let lastSent = -1;
    try {
      const t = await openTrace(msg.path, {
        ...defaults,
        nsysPath: msg.nsysPath,
        cacheDir: msg.cacheDir,
        shouldCancel: () => Atomics.load(flag, 0) === 1,
        onProgress: (p) => {
          // At most ~100 messages per open: the model reports per chunk of rows.
          const pct = Math.floor(p.fraction * 100);
          if (pct === lastSent && p.phase !== 'done') return;
          lastSent = pct;
          port.postMessage({ type: 'progress', phase: p.phase, fraction: Math.min(1, Math.max(0, p.fraction)) });
        },
      });
      const workerTraceId = service.add(t.model, t.name);
      if (msg.compare) compareId = workerTraceId;
      const m = t.model;
      const events = m.kernels.count + m.memcpy.count + m.memset.count + m.api.count + m.nvtx.count + m.osrt.count;
      port.postMessage({ type: 'opened', name: t.name, workerTraceId, fromReport: t.fromReport, events });
    } catch (e) {
      if (e instanceof CancelledError) port.postMessage({ type: 'open-failed', code: 'cancelled', error: 'Cancelled' });
      else if (e instanceof TraceOpenError) port.postMessage({ type: 'open-failed', code: e.code, error: e.message });
      else port.postMessage({ type: 'open-failed', code: 'internal', error: `Opening failed unexpectedly: ${describeError(e)}` });
    }
  }

  async function call(msg: Extract<ToWorker, { type: 'call' }>): Promise<void> {
    let result: Result<unknown>;
    try {
      // Only the bridge's methods (the table): TraceService also has add/remove/model, which no page may reach.
      // Arguments were checked by main against the same table (src/main/logic/ipc-guards.ts).
      if (!isBridgeMethod(msg.method)) throw new ServiceError(`Unknown method "${String(msg.method).slice(0, 40)}".`);
      result = { ok: true, value: await dispatchBridgeCall(service, msg.method, msg.args as BridgeArgs<typeof msg.method>) };
    } catch (e) {
      result = { ok: false, error: e instanceof ServiceError ? e.message : `${msg.method} failed: ${describeError(e)}` };
    }
    const transfer = result.ok && isTransferred(msg.method) ? transferList(result.value) : [];
    port.postMessage({ type: 'result', callId: msg.callId, result }, transfer);
  }

  return {
    handle(msg: ToWorker): Promise<void> | void {
      if (msg.type === 'open') return open(msg);
      if (msg.type === 'call') return call(msg);
    },
  };
}
