import { ArgError, validateArgs } from '../../shared/bridge-table';
import type { BridgeMethod, Result } from '../../shared/bridge';
import { isBridgeCall } from '../../shared/ipc';
import type { ReadyTrace, TraceRegistry } from './trace-registry';

export type RoutedCall =
  | { kind: 'list' }
  | { kind: 'call'; entry: ReadyTrace; method: BridgeMethod; args: unknown[]; workerTraceId: string }
  /** copyServeCommand: answered by main (the path and the clipboard are main's), never by the worker. */
  | { kind: 'serve-command'; path: string; fromNs: number; toNs: number };

/**
 * Checks a bridge call from a page and decides where it goes: shape (src/shared/ipc.ts), argument
 * types (the bridge table, src/shared/bridge-table.ts, as the serve host), then ownership of the trace id
 * (TraceRegistry). The worker only ever sees calls that passed all three, with its own trace id.
 */
export function routeBridgeCall(payload: unknown, windowId: number, registry: TraceRegistry): Result<RoutedCall> {
  if (!isBridgeCall(payload)) return { ok: false, error: 'Malformed bridge call: expected { method, args } naming an NsysBridge method.' };
  try {
    validateArgs(payload.method, payload.args);
  } catch (e) {
    if (e instanceof ArgError) return { ok: false, error: e.message };
    throw e;
  }
  if (payload.method === 'listTraces') return { ok: true, value: { kind: 'list' } };
  const r = registry.resolve(windowId, payload.args[0]);
  if (!r.ok) return r;
  if (payload.method === 'copyServeCommand') {
    const w = validateArgs('copyServeCommand', payload.args)[1];
    if (!(w.toNs > w.fromNs)) return { ok: false, error: 'Copy link: the window is empty (its end is not after its start).' };
    return { ok: true, value: { kind: 'serve-command', path: r.value.path, fromNs: w.fromNs, toNs: w.toNs } };
  }
  const args = [r.value.workerTraceId, ...payload.args.slice(1)];
  if (payload.method === 'compareTraces') {
    // The second trace id is checked against the same window: a window compares only its own traces.
    const b = registry.resolve(windowId, payload.args[1]);
    if (!b.ok) return b;
    args[1] = b.value.workerTraceId;
  }
  return { ok: true, value: { kind: 'call', entry: r.value, method: payload.method, args, workerTraceId: r.value.workerTraceId } };
}

/** The worker's answers name its own trace id; the page must only ever see the opaque one. */
export function toPageValue(method: BridgeMethod, value: unknown, pageTraceId: string): unknown {
  if (method === 'getTraceInfo' && value !== null && typeof value === 'object') return { ...value, traceId: pageTraceId };
  return value;
}
