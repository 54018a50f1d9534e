import type { LaneKind, TraceModel } from '../model/types';
import { eventNameId } from '../query/lanes';

/**
 * Display names for every lane. Copies and memsets have no name column in the file, so we give
 * them the names `nsys stats` prints ("[CUDA memcpy Host-to-Device]", "[CUDA memset]"), built
 * from the file's own ENUM_CUDA_MEMCPY_OPER labels. Those synthetic names get string ids just past
 * model.strings so level-of-detail slices can carry them like any other name id. CUDA graph
 * executions have no name either: they are "[CUDA graph <graphId>]" (one name per graph, so a
 * graph's replays share a colour and a search for "graph" finds them all).
 */
export interface NameTable {
  /** First synthetic id (= model.strings.length). */
  base: number;
  synthetic: string[];
  memcpyNameId(copyKind: number): number;
  memsetNameId: number;
  graphNameId(graphId: number): number;
  text(id: number): string | undefined;
}

const tables = new WeakMap<TraceModel, NameTable>();

export function nameTable(model: TraceModel): NameTable {
  let t = tables.get(model);
  if (t) return t;
  const base = model.strings.length;
  const synthetic: string[] = [];
  const byKind = new Map<number, number>();
  const add = (s: string) => base + synthetic.push(s) - 1;
  for (const [kind, label] of model.enums.memcpyOper.labels) byKind.set(kind, add(`[CUDA memcpy ${label}]`));
  const unknown = add('[CUDA memcpy Unknown]');
  const memsetNameId = add('[CUDA memset]');
  const byGraph = new Map<number, number>();
  const g = model.graphExecs;
  for (let i = 0; i < g.count; i++) if (!byGraph.has(g.graphId[i])) byGraph.set(g.graphId[i], add(`[CUDA graph ${g.graphId[i]}]`));
  t = {
    base,
    synthetic,
    memcpyNameId: (k) => byKind.get(k) ?? unknown,
    memsetNameId,
    graphNameId: (id) => byGraph.get(id) ?? -1,
    text: (id) => (id >= 0 && id < base ? model.strings[id] : synthetic[id - base]),
  };
  tables.set(model, t);
  return t;
}

/** Name id as slices carry it: kernels' short name, copies' synthetic name. */
export function sliceNameId(model: TraceModel, lane: LaneKind, i: number): number {
  if (lane === 'memcpy') return nameTable(model).memcpyNameId(model.memcpy.copyKind[i]);
  if (lane === 'memset') return nameTable(model).memsetNameId;
  if (lane === 'graph') return nameTable(model).graphNameId(model.graphExecs.graphId[i]);
  return eventNameId(model, lane, i);
}

/** Full display name: demangled for kernels (what nsys stats groups by), else the slice name. */
export function displayName(model: TraceModel, lane: LaneKind, i: number): string {
  if (lane === 'kernel') {
    const d = model.kernels.demangledNameId[i];
    if (d >= 0) return model.strings[d];
  }
  return nameTable(model).text(sliceNameId(model, lane, i)) ?? '';
}

/** Short display name (labels, search): kernels' short name. */
export function shortName(model: TraceModel, lane: LaneKind, i: number): string {
  return nameTable(model).text(sliceNameId(model, lane, i)) ?? '';
}
