import { describe, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import { buildCorrelation, CORRELATED_LANES } from '../src/core/model/correlation';
import type { TraceModel } from '../src/core/model/types';
import { requireFile, tracePath } from './helpers/paths';

/**
 * The (pid, correlationId) → API row index against a plain Map built here, on traces that take each
 * of its forms (issue 15 moved processes whose ids are sparse from an id-indexed table to sorted
 * pairs). Correlation ids per process, from sqlite3 on the files
 * (SELECT globalTid>>24&0xffffff, count(*), max(correlationId) FROM CUPTI_ACTIVITY_KIND_RUNTIME
 * WHERE correlationId>0 GROUP BY 1):
 *   multiproc: 2 processes, 1093 calls each, ids to 2338 (dense: an id-indexed table);
 *   cuda_graphs: 1 process, 3616 calls, ids to 18241 (sparse: sorted pairs).
 */
function expectedApiRows(model: TraceModel, lane: (typeof CORRELATED_LANES)[number]): Int32Array {
  const byKey = new Map<string, number>();
  const { api } = model;
  for (let i = 0; i < api.count; i++) {
    const c = api.correlationId[i];
    if (c === -1 || c === 0) continue;
    byKey.set(`${model.threads[api.threadIndex[i]].pid}/${c}`, i); // a repeated id: the later call
  }
  const t = { kernel: model.kernels, graph: model.graphExecs, memcpy: model.memcpy, memset: model.memset }[lane];
  const out = new Int32Array(t.count).fill(-1);
  for (let i = 0; i < t.count; i++) if (t.correlationId[i] !== -1) out[i] = byKey.get(`${t.pid[i]}/${t.correlationId[i]}`) ?? -1;
  return out;
}

/** The model with its CUDA API rows in reverse order (ids then descend: the index must sort them). */
function reversedApi(model: TraceModel): TraceModel {
  const a = model.api;
  const rev = <T extends Float64Array | Int32Array>(x: T): T => x.slice().reverse() as T;
  return {
    ...model,
    api: {
      ...a,
      startNs: rev(a.startNs),
      endNs: rev(a.endNs),
      globalTid: rev(a.globalTid),
      threadIndex: rev(a.threadIndex),
      correlationId: rev(a.correlationId),
      nameId: rev(a.nameId),
      eventClass: rev(a.eventClass),
    },
  };
}

/**
 * The model with its kernels' (pid, id) keys in reverse order: every lookup then lies behind the
 * last one, which the sorted pairs' search (galloping forward from the last hit) must still find.
 */
function reversedKernelKeys(model: TraceModel): TraceModel {
  const k = model.kernels;
  return { ...model, kernels: { ...k, pid: k.pid.slice().reverse(), correlationId: k.correlationId.slice().reverse() } };
}

describe('correlation index', () => {
  for (const name of ['multiproc', 'cuda_graphs']) {
    it(`${name}: every GPU row finds the API call a Map of (pid, id) finds, in file order and reversed, GPU rows reversed too`, async () => {
      const { model } = await openTrace(requireFile(tracePath(`shared:${name}.sqlite`)));
      for (const m of [model, reversedApi(model), reversedKernelKeys(model)]) {
        const index = buildCorrelation(m);
        let linked = 0;
        // Each API row's GPU ops, lane by lane in CORRELATED_LANES order, rows ascending.
        const opsOf: [number, number][][] = Array.from({ length: m.api.count }, () => []);
        CORRELATED_LANES.forEach((lane, l) => {
          const want = expectedApiRows(m, lane);
          expect(Array.from(index.apiRows(lane))).toEqual(Array.from(want));
          want.forEach((a, i) => {
            if (a >= 0) opsOf[a].push([l, i]);
          });
          linked += want.filter((r) => r >= 0).length;
        });
        expect(linked).toBeGreaterThan(0);
        const { opStart, opLane, opIndex } = index.ops;
        const got = opsOf.map((_, a) => {
          const refs: [number, number][] = [];
          for (let k = opStart[a]; k < opStart[a + 1]; k++) refs.push([opLane[k], opIndex[k]]);
          return refs;
        });
        expect(got).toEqual(opsOf);
      }
    });
  }
});
