import type { TraceErrorCode } from '../../core/io/errors';
import type { BridgeMethod, Result } from '../../shared/bridge';

/** Why an open failed: the core's error codes, a cancel, or a failure of the worker itself. */
export type OpenFailureCode = TraceErrorCode | 'cancelled' | 'internal';

/**
 * Messages between main and a trace worker (worker_threads). One worker holds one window's trace,
 * so a slow open or a heavy query in one window never stalls another, and closing the window frees
 * the whole heap at once (worker.terminate()).
 */
export type ToWorker =
  | {
      type: 'open';
      path: string;
      nsysPath?: string;
      cacheDir?: string;
      /**
       * Int32Array over it: [0] = 1 asks to cancel. Shared memory because building the model is
       * synchronous: a 'cancel' message would wait in the worker's queue until the build ended.
       */
      cancelFlag: SharedArrayBuffer;
      /** A second trace for this window to compare with (at most one is held; a new one replaces it). */
      compare?: boolean;
      /**
       * The window's page is up and already waiting for this trace (the spare window): its first
       * frame is served before the CPU rows are read (handler.ts, first-frame hold).
       */
      pageWaiting?: boolean;
    }
  | { type: 'call'; callId: number; method: BridgeMethod; args: unknown[] };

export type FromWorker =
  | { type: 'progress'; phase: string; fraction: number; message?: string }
  /**
   * The trace can be shown: the whole model, or (`loading`) its GPU rows while the CPU rows are
   * still read (issue 15); 'loaded' or 'load-failed' follows a loading one.
   */
  | { type: 'opened'; name: string; workerTraceId: string; fromReport: boolean; events: number; loading?: true }
  | { type: 'open-failed'; code: OpenFailureCode; error: string }
  | { type: 'loaded' }
  | { type: 'load-failed'; code: OpenFailureCode; error: string }
  | { type: 'result'; callId: number; result: Result<unknown> };
