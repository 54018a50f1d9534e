import type { Result } from '../../shared/bridge';

export type TraceState =
  { kind: 'loading' } | { kind: 'ready'; workerTraceId: string } | { kind: 'failed'; error: string } | { kind: 'cancelled' };

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
  /**
   * At most one second trace, opened into the same window and worker to compare with (Compare With…,
   * or a file dropped with Alt or Shift held). It belongs to this window exactly as the first does.
   */
  compare?: CompareTrace;
}

export type CompareTrace = Omit<WindowTrace, 'windowId' | 'compare'>;

/** A trace of a window that is open, as a call names it. */
export interface ReadyTrace {
  traceId: string;
  name: string;
  workerTraceId: string;
  /** The file main opened (for main's own use, such as Copy link's command; never sent to the page). */
  path: string;
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
    for (const e of this.byWindow.values())
      if (e.path === path && (e.state.kind === 'loading' || e.state.kind === 'ready')) return e.windowId;
    return undefined;
  }

  /**
   * Starts the window's compare trace (replacing a finished one). Only once the window's own trace
   * is open, and one compare open at a time: the worker holds at most two traces.
   */
  addCompare(windowId: number, path: string, name: string): Result<CompareTrace> {
    const e = this.byWindow.get(windowId);
    if (!e || e.state.kind !== 'ready')
      return { ok: false, error: 'Open a trace in this window first, then add a second one to compare with.' };
    if (e.compare?.state.kind === 'loading') return { ok: false, error: `${e.compare.name} is still opening to compare; wait for it.` };
    if (e.path === path) return { ok: false, error: `${name} is the trace this window shows: choose another one to compare with.` };
    const c: CompareTrace = { path, name, openId: this.mintId(), traceId: this.mintId(), state: { kind: 'loading' } };
    e.compare = c;
    return { ok: true, value: c };
  }

  /** Ends the compare open `openId` names (a later compare open may have replaced it: then nothing). */
  setCompareState(windowId: number, openId: string, state: TraceState): void {
    const c = this.byWindow.get(windowId)?.compare;
    if (c && c.openId === openId) c.state = state;
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

  /**
   * The window's trace (its own or its compare trace) if `traceId` names it and it is open; otherwise a
   * message for the page. Only this window's entry is searched: another window's id is unknown here.
   */
  resolve(windowId: number, traceId: unknown): Result<ReadyTrace> {
    const e = this.byWindow.get(windowId);
    const t =
      !e || typeof traceId !== 'string' ? undefined : e.traceId === traceId ? e : e.compare?.traceId === traceId ? e.compare : undefined;
    if (!t) return { ok: false, error: `Unknown trace id "${String(traceId).slice(0, 40)}". Open the trace again.` };
    const s = t.state;
    if (s.kind === 'ready') return { ok: true, value: { traceId: t.traceId, name: t.name, workerTraceId: s.workerTraceId, path: t.path } };
    return { ok: false, error: stateMessage(t) };
  }

  /** The open that `openId` names in this window (its own trace or its compare trace), only while it is still loading. */
  loadingOpen(windowId: number, openId: string): CompareTrace | undefined {
    const e = this.byWindow.get(windowId);
    if (!e) return undefined;
    const t = e.openId === openId ? e : e.compare?.openId === openId ? e.compare : undefined;
    return t?.state.kind === 'loading' ? t : undefined;
  }
}

/** What listTraces answers for a window whose trace is not (or not yet) open. */
export function stateMessage(e: CompareTrace): string {
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
