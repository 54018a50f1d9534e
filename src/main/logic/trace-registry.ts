import type { Result } from '../../shared/bridge';

export type TraceState =
  | { kind: 'loading' }
  | { kind: 'ready'; workerTraceId: string }
  | { kind: 'failed'; error: string }
  | { kind: 'cancelled' };

/** The one trace a window shows. Paths stay in main; the page only ever sees traceId and name. */
export interface WindowTrace {
  windowId: number;
  path: string;
  /** File name, no folder. */
  name: string;
  openId: string;
  /** Opaque id handed to the page (random, so a page cannot guess another window's). */
  traceId: string;
  state: TraceState;
}

/**
 * Which window shows which trace. A page may only name the trace of its own window: an id from
 * another window (or made up) is answered as unknown, so one window cannot read another's trace.
 */
export class TraceRegistry {
  private readonly byWindow = new Map<number, WindowTrace>();

  constructor(private readonly mintId: () => string) {}

  add(windowId: number, path: string, name: string): WindowTrace {
    const entry: WindowTrace = { windowId, path, name, openId: this.mintId(), traceId: this.mintId(), state: { kind: 'loading' } };
    this.byWindow.set(windowId, entry);
    return entry;
  }

  ofWindow(windowId: number): WindowTrace | undefined {
    return this.byWindow.get(windowId);
  }

  /** The window already showing (or opening) this file, to focus it instead of opening it twice. */
  windowOfPath(path: string): number | undefined {
    for (const e of this.byWindow.values()) if (e.path === path && (e.state.kind === 'loading' || e.state.kind === 'ready')) return e.windowId;
    return undefined;
  }

  setState(windowId: number, state: TraceState): void {
    const e = this.byWindow.get(windowId);
    if (e) e.state = state;
  }

  remove(windowId: number): WindowTrace | undefined {
    const e = this.byWindow.get(windowId);
    this.byWindow.delete(windowId);
    return e;
  }

  /** The window's trace if `traceId` names it and it is open; otherwise a message for the page. */
  resolve(windowId: number, traceId: unknown): Result<WindowTrace & { state: { kind: 'ready'; workerTraceId: string } }> {
    const e = this.byWindow.get(windowId);
    if (!e || typeof traceId !== 'string' || e.traceId !== traceId) {
      return { ok: false, error: `Unknown trace id "${String(traceId).slice(0, 40)}". Open the trace again.` };
    }
    const s = e.state;
    if (s.kind === 'ready') return { ok: true, value: e as WindowTrace & { state: typeof s } };
    return { ok: false, error: stateMessage(e) };
  }

  /** The open that `openId` names in this window, only while it is still loading. */
  loadingOpen(windowId: number, openId: string): WindowTrace | undefined {
    const e = this.byWindow.get(windowId);
    return e && e.openId === openId && e.state.kind === 'loading' ? e : undefined;
  }
}

/** What listTraces answers for a window whose trace is not (or not yet) open. */
export function stateMessage(e: WindowTrace): string {
  switch (e.state.kind) {
    case 'loading':
      return `${e.name} is still opening.`;
    case 'failed':
      return e.state.error;
    case 'cancelled':
      return `Opening ${e.name} was cancelled. Use File → Open… (Ctrl+O) to open a trace.`;
    case 'ready':
      return '';
  }
}
