import type { CorrelationIndex } from '../model/correlation';
import type { Ns, TraceModel } from '../model/types';
import { aggregateMemOps, analyzeMemOps, type MemOpAggregate, type MemOpTable } from './memcpy';

/** What the memcpy panel asks the host for: the columnar table, its groups and the names it shows. */
export interface MemOpsView {
  table: MemOpTable;
  aggregates: MemOpAggregate[];
  /** model.strings entries the table refers to (API names, neighbour kernels' short names). */
  strings: Record<number, string>;
  /** Short-name ids (model.strings) of the previous / next kernel on the same stream, -1 when none. */
  prevKernelNameId: Int32Array;
  nextKernelNameId: Int32Array;
  /** Total ops in the trace (the table holds those overlapping the window). */
  totalInTrace: number;
}

/** Ops the panel will carry in one answer: ~36 bytes per op per column set, about 10 MB at the cap. */
export const MAX_MEM_OPS_VIEW = 100_000;

export class MemOpsViewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemOpsViewError';
  }
}

export function memOpsView(model: TraceModel, range: { t0: Ns; t1: Ns } | null, correlation?: CorrelationIndex): MemOpsView {
  if (range && (!Number.isFinite(range.t0) || !Number.isFinite(range.t1) || !(range.t1 > range.t0))) {
    throw new MemOpsViewError('Invalid time range: t1 must be greater than t0.');
  }
  const table = analyzeMemOps(model, { t0Ns: range?.t0, t1Ns: range?.t1, correlation });
  if (table.count > MAX_MEM_OPS_VIEW) {
    throw new MemOpsViewError(`${table.count} memory ops in this range: select a shorter range (at most ${MAX_MEM_OPS_VIEW}).`);
  }
  const K = model.kernels;
  const strings: Record<number, string> = {};
  const keep = (id: number) => {
    if (id >= 0 && !(id in strings)) strings[id] = model.strings[id] ?? '';
  };
  const prevKernelNameId = new Int32Array(table.count);
  const nextKernelNameId = new Int32Array(table.count);
  for (let k = 0; k < table.count; k++) {
    keep(table.apiNameId[k]);
    const p = table.prevKernelStream[k];
    const n = table.nextKernelStream[k];
    prevKernelNameId[k] = p >= 0 ? K.shortNameId[p] : -1;
    nextKernelNameId[k] = n >= 0 ? K.shortNameId[n] : -1;
    keep(prevKernelNameId[k]);
    keep(nextKernelNameId[k]);
  }
  return {
    table,
    aggregates: aggregateMemOps(table),
    strings,
    prevKernelNameId,
    nextKernelNameId,
    totalInTrace: model.memcpy.count + model.memset.count,
  };
}
