/**
 * The one table of bridge methods: for each NsysBridge method, the guard that turns untrusted
 * arguments (JSON from a browser under `serve`, structured-clone data from a sandboxed page under
 * Electron) into typed ones, and whether its answer may be moved rather than copied across threads.
 * The serve host (src/server), Electron main (src/main/logic/ipc-guards.ts) and the trace worker
 * (src/main/worker/handler.ts) all check and dispatch through it, so adding a method to NsysBridge
 * without a row here fails `tsc` (the `satisfies` below), and no host keeps a switch of its own.
 *
 * Shape only: the service then checks meaning (known trace ids, sane windows).
 */
import type { LaneKind } from '../core/model/types';
import type { BridgeMethod, NsysBridge, Result } from './bridge';

export type { BridgeMethod };
/** The arguments of a bridge method, as the page passes them. */
export type BridgeArgs<M extends BridgeMethod> = Parameters<NsysBridge[M]>;
/** What a bridge method answers on success. */
export type BridgeValue<M extends BridgeMethod> = Awaited<ReturnType<NsysBridge[M]>> extends Result<infer T> ? T : never;

/**
 * What answers bridge calls on the host side: the same methods, answering values (or promises of
 * them) and throwing for errors. TraceService implements it (checked in src/core/service).
 */
export type BridgeBackend = { [M in BridgeMethod]: (...args: BridgeArgs<M>) => BridgeValue<M> | Promise<BridgeValue<M>> };

/** A bad argument: its message names the method and the argument. */
export class ArgError extends Error {}

type Check<T> = (v: unknown, what: string) => T;

const MAX_STRING = 4096;
const MAX_ARRAY = 100_000;

const str: Check<string> = (v, w) => {
  if (typeof v !== 'string' || v.length > MAX_STRING) throw new ArgError(`${w} must be a string (≤ ${MAX_STRING} characters).`);
  return v;
};
const num: Check<number> = (v, w) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgError(`${w} must be a finite number.`);
  return v;
};
const int: Check<number> = (v, w) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ArgError(`${w} must be an integer.`);
  return v;
};
const bool: Check<boolean> = (v, w) => {
  if (typeof v !== 'boolean') throw new ArgError(`${w} must be true or false.`);
  return v;
};
const searchMatch: Check<'name' | 'kernel-name'> = (v, w) => {
  if (v !== 'name' && v !== 'kernel-name') throw new ArgError(`${w} must be "name" or "kernel-name".`);
  return v;
};
/** The service names the lane kinds it knows; here only the type is narrowed (a string as before). */
const laneKind: Check<LaneKind> = (v, w) => str(v, w) as LaneKind;
const arrayOf =
  <T>(item: Check<T>): Check<T[]> =>
  (v, w) => {
    if (!Array.isArray(v) || v.length > MAX_ARRAY) throw new ArgError(`${w} must be an array (≤ ${MAX_ARRAY} items).`);
    return v.map((x, i) => item(x, `${w}[${i}]`));
  };
/** Marks checks whose argument may be left out (null or undefined: JSON has no undefined). */
const OPTIONAL = new WeakSet<Check<unknown>>();
const optional = <T>(c: Check<T>): Check<T | undefined> => {
  const check: Check<T | undefined> = (v, w) => (v === undefined || v === null ? undefined : c(v, w));
  OPTIONAL.add(check);
  return check;
};
/** Like optional, but an absent value means null (getMemOps' whole-trace window). */
const nullable = <T>(c: Check<T>): Check<T | null> => {
  const check: Check<T | null> = (v, w) => (v === undefined || v === null ? null : c(v, w));
  OPTIONAL.add(check);
  return check;
};
const object =
  <T>(fields: { [K in keyof T]-?: Check<T[K]> }): Check<T> =>
  (v, w) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ArgError(`${w} must be an object.`);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!(k in fields)) throw new ArgError(`${w} has an unexpected field "${k.slice(0, 40)}".`);
    const out: Record<string, unknown> = {};
    for (const [k, c] of Object.entries<Check<unknown>>(fields)) {
      const value = c(o[k], `${w}.${k}`);
      if (value !== undefined) out[k] = value;
    }
    return out as T;
  };

/** One check per parameter, in order (optional parameters map to optional checks). */
type ArgChecks<A extends unknown[]> = { [K in keyof A]-?: Check<A[K]> };

interface MethodSpec<M extends BridgeMethod> {
  args: ArgChecks<BridgeArgs<M>>;
  /** The answer is freshly allocated per call, so its buffers may be transferred, not copied. */
  transfer: boolean;
  /**
   * Answered from the GPU-first model while a trace's CPU rows are still read (issue 15: what the
   * first frame needs). Every other method waits for the whole model (TraceService.whenLoaded),
   * because its answer needs the CPU rows too (API calls, NVTX, correlation).
   */
  early?: true;
}

export const BRIDGE_TABLE = {
  listTraces: { args: [], transfer: false, early: true },
  getTraceInfo: { args: [str], transfer: false, early: true },
  getSlices: { args: [str, arrayOf(object({ trackId: str, t0: num, t1: num, widthPx: int }))], transfer: true, early: true },
  getBusyProfile: { args: [str, arrayOf(str), num, num, int], transfer: true, early: true },
  // GPU-only answers: the GPU rows are in the model before the CPU rows land.
  getUtilisation: { args: [str, arrayOf(str), num, num, int], transfer: true, early: true },
  getGpuBusy: { args: [str, num, num], transfer: false, early: true },
  rangeBreakdown: { args: [str, num, num], transfer: false },
  getStrings: { args: [str, arrayOf(int)], transfer: false, early: true },
  getEventDetails: { args: [str, laneKind, int], transfer: false },
  search: {
    args: [str, object({ text: str, regex: bool, lanes: optional(arrayOf(laneKind)), limit: optional(int), match: optional(searchMatch) })],
    transfer: false,
  },
  aggregate: { args: [str, num, num, optional(arrayOf(str))], transfer: false },
  getMemOps: { args: [str, nullable(object({ t0: num, t1: num }))], transfer: false },
  getStatsReport: {
    args: [str, str, optional(object({ t0Ns: optional(num), t1Ns: optional(num), nvtxRange: optional(int) }))],
    transfer: false,
  },
  getSummary: { args: [str, optional(object({ idleGapThresholdNs: optional(num), topN: optional(int) }))], transfer: false },
  getSteps: { args: [str, optional(object({ stepNvtx: optional(str), stepKernel: optional(str) }))], transfer: false },
  exportCsv: { args: [str, num, num], transfer: false },
  compareTraces: {
    args: [str, str, optional(object({ pidA: optional(int), pidB: optional(int), stepNvtx: optional(str), stepKernel: optional(str) }))],
    transfer: false,
  },
  exportTrace: { args: [str, optional(object({ fromMs: num, toMs: num }))], transfer: false },
  getOpenProgress: { args: [], transfer: false, early: true },
  cancelOpen: { args: [str], transfer: false, early: true },
  copyServeCommand: { args: [str, object({ fromNs: int, toNs: int })], transfer: false },
} satisfies { [M in BridgeMethod]: MethodSpec<M> };

/** Every bridge method, in the table's order (the preload and the HTTP bridge expose exactly these). */
export const BRIDGE_METHODS = Object.keys(BRIDGE_TABLE) as BridgeMethod[];

export function isBridgeMethod(v: unknown): v is BridgeMethod {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(BRIDGE_TABLE, v);
}

/** Checks untrusted arguments of `method`; throws ArgError with a message naming the bad argument. */
export function validateArgs<M extends BridgeMethod>(method: M, args: unknown): BridgeArgs<M> {
  if (!Array.isArray(args)) throw new ArgError('The request body must be a JSON array of arguments.');
  const checks = BRIDGE_TABLE[method].args as readonly Check<unknown>[];
  // Trailing optional arguments may be left out.
  let required = checks.length;
  while (required > 0 && OPTIONAL.has(checks[required - 1])) required--;
  if (args.length < required || args.length > checks.length)
    throw new ArgError(`${method} takes ${checks.length} argument(s), got ${args.length}.`);
  return checks.map((c, i) => c(args[i], `${method} argument ${i + 1}`)) as BridgeArgs<M>;
}

/** Whether `method` answers from a GPU-first model without waiting for the CPU rows (see MethodSpec.early). */
export function answersEarly(method: BridgeMethod): boolean {
  return (BRIDGE_TABLE[method] as MethodSpec<BridgeMethod>).early === true;
}

/** Whether `method`'s answer may be transferred (see MethodSpec.transfer). */
export function isTransferred(method: BridgeMethod): boolean {
  return BRIDGE_TABLE[method].transfer;
}

/**
 * Calls `method` on a backend with arguments that passed validateArgs. The one place where a method
 * name picks a function: TypeScript cannot follow a union of methods through an index, so the call
 * goes through a function type checked against BridgeBackend above.
 */
export function dispatchBridgeCall<M extends BridgeMethod>(
  backend: BridgeBackend,
  method: M,
  args: BridgeArgs<M>,
): BridgeValue<M> | Promise<BridgeValue<M>> {
  const fn = backend[method] as (...a: BridgeArgs<M>) => BridgeValue<M> | Promise<BridgeValue<M>>;
  return fn.apply(backend, args);
}
