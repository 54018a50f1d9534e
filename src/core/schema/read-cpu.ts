import type { Db } from '../db/db';
import type { CallchainStore, SampleTable, ThreadStateTable } from '../model/types';
import { readTable } from './select';

type Cancel = (() => boolean) | undefined;

/**
 * What nsys's default `nsys profile` adds on the CPU side (2025.3: `--sample=process-tree
 * --cpuctxsw=process-tree --backtrace=lbr`, osrt traced): periodic IP/backtrace samples
 * (COMPOSITE_EVENTS + SAMPLING_CALLCHAINS), context switches (SCHED_EVENTS) and the call stacks of
 * OS runtime calls (OSRT_CALLCHAINS, referenced by OSRT_API.callchainId). Traces made with
 * `-s none --cpuctxsw=none` have none of these tables and read as empty.
 */

/** A callchain table (id, symbol, module, stackDepth) as frames grouped per id, leaf (depth 0) first. */
export function readCallchains(db: Db, table: 'SAMPLING_CALLCHAINS' | 'OSRT_CALLCHAINS', shouldCancel?: Cancel): CallchainStore {
  const { count, cols } = readTable(db, table, { id: 'f64', symbol: 'i32', module: 'i32', stackDepth: 'i32' }, { shouldCancel });
  // Rows come grouped by id in depth order in every export we have (the primary key is (id, stackDepth));
  // nsys 2025.6+ does not promise row order, so check and sort when they are not.
  let ordered = true;
  for (let i = 1; i < count && ordered; i++) {
    if (cols.id[i] < cols.id[i - 1] || (cols.id[i] === cols.id[i - 1] && cols.stackDepth[i] <= cols.stackDepth[i - 1])) ordered = false;
  }
  let order: Uint32Array | null = null;
  if (!ordered) {
    order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    order.sort((a, b) => cols.id[a] - cols.id[b] || cols.stackDepth[a] - cols.stackDepth[b]);
  }
  const at = (k: number) => (order ? order[k] : k);
  const byId = new Map<number, number>();
  const starts: number[] = [];
  const symbolId = new Int32Array(count);
  const moduleId = new Int32Array(count);
  let lastId = NaN;
  for (let k = 0; k < count; k++) {
    const i = at(k);
    const id = cols.id[i];
    if (id !== lastId) {
      byId.set(id, starts.length);
      starts.push(k);
      lastId = id;
    }
    symbolId[k] = cols.symbol[i];
    moduleId[k] = cols.module[i];
  }
  starts.push(count);
  return { byId, frameStart: Int32Array.from(starts), symbolId, moduleId };
}

export const EMPTY_CALLCHAINS: CallchainStore = {
  byId: new Map(),
  frameStart: new Int32Array(1),
  symbolId: new Int32Array(0),
  moduleId: new Int32Array(0),
};

/** CPU samples (COMPOSITE_EVENTS): instants on their thread, named by the leaf frame of their backtrace. */
export function readSamples(db: Db, stacks: CallchainStore, shouldCancel?: Cancel): Omit<SampleTable, 'threadIndex'> {
  const { count, cols } = readTable(
    db,
    'COMPOSITE_EVENTS',
    { id: 'f64', start: 'f64', cpu: 'i32', threadState: 'i32', globalTid: 'f64' },
    { shouldCancel },
  );
  const nameId = new Int32Array(count).fill(-1);
  for (let i = 0; i < count; i++) {
    const slot = stacks.byId.get(cols.id[i]);
    if (slot !== undefined && stacks.frameStart[slot + 1] > stacks.frameStart[slot]) nameId[i] = stacks.symbolId[stacks.frameStart[slot]];
  }
  return {
    count,
    id: cols.id,
    startNs: cols.start,
    endNs: cols.start,
    cpu: cols.cpu,
    threadState: cols.threadState,
    globalTid: cols.globalTid,
    nameId,
  };
}

/**
 * Running intervals per thread from SCHED_EVENTS (a thread is scheduled in on a CPU, then out).
 * A thread already running when the trace starts (first event a switch-out) runs from `fromNs`;
 * one still running at the end runs to `toNs`.
 */
export function readThreadStates(db: Db, fromNs: number, toNs: number, shouldCancel?: Cancel): Omit<ThreadStateTable, 'threadIndex'> {
  const { count, cols } = readTable(db, 'SCHED_EVENTS', { start: 'f64', cpu: 'i32', isSchedIn: 'i32', globalTid: 'f64' }, { shouldCancel });
  const byThread = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const list = byThread.get(cols.globalTid[i]);
    if (list) list.push(i);
    else byThread.set(cols.globalTid[i], [i]);
  }
  const s: number[] = [];
  const e: number[] = [];
  const tid: number[] = [];
  const cpu: number[] = [];
  for (const [g, list] of byThread) {
    list.sort((a, b) => cols.start[a] - cols.start[b] || a - b);
    let openAt = NaN;
    let openCpu = -1;
    let first = true;
    for (const i of list) {
      if (cols.isSchedIn[i] !== 0) {
        if (Number.isNaN(openAt)) {
          openAt = cols.start[i];
          openCpu = cols.cpu[i];
        }
      } else {
        const from = Number.isNaN(openAt) ? (first ? Math.min(fromNs, cols.start[i]) : NaN) : openAt;
        if (!Number.isNaN(from)) {
          s.push(from);
          e.push(cols.start[i]);
          tid.push(g);
          cpu.push(Number.isNaN(openAt) ? cols.cpu[i] : openCpu);
        }
        openAt = NaN;
      }
      first = false;
    }
    if (!Number.isNaN(openAt)) {
      s.push(openAt);
      e.push(Math.max(toNs, openAt));
      tid.push(g);
      cpu.push(openCpu);
    }
  }
  return {
    count: s.length,
    startNs: Float64Array.from(s),
    endNs: Float64Array.from(e),
    globalTid: Float64Array.from(tid),
    cpu: Int32Array.from(cpu),
  };
}
