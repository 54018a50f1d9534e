import { Worker } from 'node:worker_threads';
import type { BridgeMethod, Result } from '../../shared/bridge';
import type { FromWorker, OpenFailureCode, ToWorker } from './protocol';

export type OpenOutcome =
  /** `loading`: the GPU rows are ready and the CPU rows still load; OpenRequest.onLoaded tells the end. */
  | { ok: true; name: string; workerTraceId: string; fromReport: boolean; events: number; loading?: true }
  | { ok: false; code: OpenFailureCode; error: string };

export interface OpenRequest {
  path: string;
  nsysPath?: string;
  cacheDir?: string;
  /** A second trace for the window, to compare with (src/main/worker/handler.ts holds one at most). */
  compare?: boolean;
  /** The window's page already waits for this trace (ToWorker's open.pageWaiting). */
  pageWaiting?: boolean;
  onProgress?: (phase: string, fraction: number, message?: string) => void;
  /** After an outcome with `loading`: the CPU rows landed (ok) or the load stopped (the trace is gone). */
  onLoaded?: (r: { ok: true } | { ok: false; code: OpenFailureCode; error: string }) => void;
}

/**
 * Main's handle on one trace worker. Every promise settles: if the worker dies (out of memory, a
 * crash, terminate()), pending calls answer a Result error instead of hanging the page.
 */
export class TraceWorkerClient {
  private readonly worker: Worker;
  private readonly cancelFlag = new SharedArrayBuffer(4);
  private nextCallId = 1;
  private readonly calls = new Map<number, (r: Result<unknown>) => void>();
  private openSettle: ((o: OpenOutcome) => void) | null = null;
  private onProgress: OpenRequest['onProgress'];
  private onLoaded: OpenRequest['onLoaded'];
  private dead: string | null = null;

  constructor(workerFile: string, options: { maxHeapMb?: number } = {}) {
    this.worker = new Worker(workerFile, options.maxHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb } } : {});
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.die(`The trace worker failed: ${e.message.split('\n')[0]}`));
    this.worker.on('exit', (code) =>
      this.die(
        code === 0 ? 'The trace worker stopped.' : `The trace worker stopped (exit code ${code}); the trace may be too large for memory.`,
      ),
    );
  }

  open(req: OpenRequest): Promise<OpenOutcome> {
    if (this.dead) return Promise.resolve({ ok: false, code: 'internal', error: this.dead });
    if (this.openSettle) return Promise.resolve({ ok: false, code: 'internal', error: 'An open is already running in this worker.' });
    this.onProgress = req.onProgress;
    this.onLoaded = req.onLoaded;
    // A cancel asked just as an earlier open finished must not cancel this one.
    Atomics.store(new Int32Array(this.cancelFlag), 0, 0);
    return new Promise((settle) => {
      this.openSettle = settle;
      const msg: ToWorker = {
        type: 'open',
        path: req.path,
        nsysPath: req.nsysPath,
        cacheDir: req.cacheDir,
        cancelFlag: this.cancelFlag,
        ...(req.compare ? { compare: true } : {}),
        ...(req.pageWaiting ? { pageWaiting: true } : {}),
      };
      this.worker.postMessage(msg);
    });
  }

  /** Asks the open to stop at its next check (between row chunks, or by killing nsys export). */
  cancel(): void {
    Atomics.store(new Int32Array(this.cancelFlag), 0, 1);
  }

  call(method: BridgeMethod, args: unknown[]): Promise<Result<unknown>> {
    if (this.dead) return Promise.resolve({ ok: false, error: this.dead });
    const callId = this.nextCallId++;
    return new Promise((settle) => {
      this.calls.set(callId, settle);
      const msg: ToWorker = { type: 'call', callId, method, args };
      this.worker.postMessage(msg);
    });
  }

  async terminate(): Promise<void> {
    this.die('The trace was closed.');
    await this.worker.terminate();
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'progress') this.onProgress?.(m.phase, m.fraction, m.message);
    else if (m.type === 'loaded') this.onLoaded?.({ ok: true });
    else if (m.type === 'load-failed') this.onLoaded?.({ ok: false, code: m.code, error: m.error });
    else if (m.type === 'opened' || m.type === 'open-failed') {
      const settle = this.openSettle;
      this.openSettle = null;
      settle?.(
        m.type === 'opened'
          ? {
              ok: true,
              name: m.name,
              workerTraceId: m.workerTraceId,
              fromReport: m.fromReport,
              events: m.events,
              ...(m.loading ? { loading: true as const } : {}),
            }
          : { ok: false, code: m.code, error: m.error },
      );
    } else if (m.type === 'result') {
      const settle = this.calls.get(m.callId);
      this.calls.delete(m.callId);
      settle?.(m.result);
    }
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = reason;
    const settle = this.openSettle;
    this.openSettle = null;
    settle?.({ ok: false, code: 'internal', error: reason });
    for (const s of this.calls.values()) s({ ok: false, error: reason });
    this.calls.clear();
  }
}
