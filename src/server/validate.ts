import type { BridgeMethod } from '../shared/bridge';

/**
 * Shape checks for bridge arguments arriving over HTTP (untrusted JSON). The service then checks
 * meaning (known ids, sane windows); here we only make sure every argument has the declared type so
 * the service never sees e.g. an object where it expects a number.
 */
type Check = (v: unknown, what: string) => void;

class ArgError extends Error {}
export { ArgError };

const MAX_STRING = 4096;
const MAX_ARRAY = 100_000;

const str: Check = (v, w) => {
  if (typeof v !== 'string' || v.length > MAX_STRING) throw new ArgError(`${w} must be a string (≤ ${MAX_STRING} characters).`);
};
const num: Check = (v, w) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgError(`${w} must be a finite number.`);
};
const int: Check = (v, w) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ArgError(`${w} must be an integer.`);
};
const bool: Check = (v, w) => {
  if (typeof v !== 'boolean') throw new ArgError(`${w} must be true or false.`);
};
const arrayOf = (item: Check): Check => (v, w) => {
  if (!Array.isArray(v) || v.length > MAX_ARRAY) throw new ArgError(`${w} must be an array (≤ ${MAX_ARRAY} items).`);
  v.forEach((x, i) => item(x, `${w}[${i}]`));
};
const OPTIONAL = new WeakSet<Check>();
const optional = (c: Check): Check => {
  const check: Check = (v, w) => {
    if (v !== undefined && v !== null) c(v, w);
  };
  OPTIONAL.add(check);
  return check;
};
const object = (fields: Record<string, Check>): Check => (v, w) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ArgError(`${w} must be an object.`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(k in fields)) throw new ArgError(`${w} has an unexpected field "${k.slice(0, 40)}".`);
  for (const [k, c] of Object.entries(fields)) c(o[k], `${w}.${k}`);
};

const SIGNATURES: Record<BridgeMethod, Check[]> = {
  listTraces: [],
  getTraceInfo: [str],
  getSlices: [str, arrayOf(object({ trackId: str, t0: num, t1: num, widthPx: int }))],
  getBusyProfile: [str, arrayOf(str), num, num, int],
  getStrings: [str, arrayOf(int)],
  getEventDetails: [str, str, int],
  search: [str, object({ text: str, regex: bool, lanes: optional(arrayOf(str)), limit: optional(int) })],
  aggregate: [str, num, num, optional(arrayOf(str))],
  getMemOps: [str, optional(object({ t0: num, t1: num }))],
  getStatsReport: [str, str, optional(object({ t0Ns: optional(num), t1Ns: optional(num), nvtxRange: optional(int) }))],
  getSummary: [str, optional(object({ idleGapThresholdNs: optional(num), topN: optional(int) }))],
  getSteps: [str, optional(object({ stepNvtx: optional(str), stepKernel: optional(str) }))],
  exportCsv: [str, num, num],
};

/** Throws ArgError with a message naming the bad argument. */
export function validateArgs(method: BridgeMethod, args: unknown): unknown[] {
  if (!Array.isArray(args)) throw new ArgError('The request body must be a JSON array of arguments.');
  const sig = SIGNATURES[method];
  // Trailing optional arguments may be left out.
  let required = sig.length;
  while (required > 0 && OPTIONAL.has(sig[required - 1])) required--;
  if (args.length < required || args.length > sig.length) throw new ArgError(`${method} takes ${sig.length} argument(s), got ${args.length}.`);
  sig.forEach((c, i) => c(args[i], `${method} argument ${i + 1}`));
  return args;
}
