import { NULL_INT } from '../db/db';
import type { CorrelationIndex } from '../model/correlation';
import { enumLabel } from '../model/enum-label';
import { NVTX_STYLE_NAMES, type LaneKind, type TraceModel } from '../model/types';
import { laneTable } from '../query/lanes';
import { launchTiming } from '../analysis/launch-timing';
import { apiDisplayName } from '../stats/numeric';
import { formatBytes, formatNsExact, gbPerSecond } from '../util/format';
import { eventCategory, CATEGORY_LABELS } from '../util/kernel-category';
import { trackOfEvent } from './event-index';
import { displayName, shortName } from './names';
import type { EventDetails } from './types';

export const LANES: readonly LaneKind[] = [
  'kernel',
  'graph',
  'memcpy',
  'memset',
  'cuda-api',
  'nvtx',
  'osrt',
  'sample',
  'sched',
  'gpu-memory',
  'nvtx-gpu',
];

export function laneCount(model: TraceModel, lane: LaneKind): number {
  switch (lane) {
    case 'kernel':
      return model.kernels.count;
    case 'graph':
      return model.graphExecs.count;
    case 'memcpy':
      return model.memcpy.count;
    case 'memset':
      return model.memset.count;
    case 'cuda-api':
      return model.api.count;
    case 'nvtx':
      return model.nvtx.count;
    case 'osrt':
      return model.osrt.count;
    case 'sample':
      return model.samples.count;
    case 'sched':
      return model.threadStates.count;
    case 'gpu-memory':
      return model.gpuMemory.count;
    case 'nvtx-gpu':
      return model.nvtxGpu.count;
  }
}

/** "leaf (module)" per frame, one a line, leaf first as nsys lists them; '' when the id has no stack. */
export function callStack(model: TraceModel, store: TraceModel['sampleStacks'], id: number): string {
  const slot = store.byId.get(id);
  if (slot === undefined) return '';
  const lines: string[] = [];
  for (let k = store.frameStart[slot]; k < store.frameStart[slot + 1]; k++) {
    const mod = model.strings[store.moduleId[k]] ?? '';
    const base = mod.slice(mod.lastIndexOf('/') + 1);
    lines.push(`${model.strings[store.symbolId[k]] ?? '?'}${base ? ` (${base})` : ''}`);
  }
  return lines.join('\n');
}

const dims = (x: number, y: number, z: number) => `${x} × ${y} × ${z}`;

/**
 * Every column of one event as label → value (for the tooltip and the details panel), plus the
 * other end of its CUDA API ↔ GPU correlation. `lane`/`index` must already be validated.
 */
export function eventDetails(model: TraceModel, corr: CorrelationIndex, lane: LaneKind, index: number): EventDetails {
  const { startNs, endNs } = laneTable(model, lane);
  const a = startNs[index];
  const b = endNs[index];
  // CUDA API names read as nsys stats prints them (cudaMemcpyAsync, not cudaMemcpyAsync_v3020); the raw name is a field.
  const rawName = displayName(model, lane, index);
  const name = lane === 'cuda-api' ? apiDisplayName(rawName) : rawName;
  const trackId = trackOfEvent(model, lane, index);
  const fields: [string, string | number][] = [
    ['Name', name],
    [
      'Category',
      lane === 'sample'
        ? 'CPU sample'
        : lane === 'sched'
          ? 'Thread state'
          : lane === 'gpu-memory'
            ? 'GPU memory'
            : CATEGORY_LABELS[eventCategory(lane === 'nvtx-gpu' ? 'nvtx' : lane, name)],
    ],
    ['Start', formatNsExact(a)],
    ['End', formatNsExact(b)],
    ['Start (ns)', a],
    ['End (ns)', b],
    ['Duration', formatNsExact(b - a)],
    ['Duration (ns)', b - a],
  ];
  if (lane === 'kernel' || lane === 'graph' || lane === 'memcpy' || lane === 'memset') {
    const t = launchTiming(model, corr, lane, index, trackId);
    if (t) {
      fields.push(
        ['Launch latency', formatNsExact(t.latencyNs)],
        ['Launch latency (ns)', t.latencyNs],
        ['Queued behind stream', formatNsExact(t.queuedNs)],
        ['Queued behind stream (ns)', t.queuedNs],
      );
    }
  }
  const thread = (ti: number) => {
    const t = model.threads[ti];
    return t
      ? ([
          ['Thread', `${t.name || '(unnamed)'} (tid ${t.tid})`],
          ['PID', t.pid],
        ] as [string, string | number][])
      : [];
  };
  const graphNode = (g: number): [string, string | number][] => (g === NULL_INT ? [] : [['Graph node id', g]]);
  switch (lane) {
    case 'kernel': {
      const k = model.kernels;
      fields.splice(1, 0, ['Short name', shortName(model, lane, index)]);
      fields.push(
        ['Device', k.deviceId[index]],
        ['Context', k.contextId[index]],
        ['Stream', k.streamId[index]],
        ['PID', k.pid[index]],
        ['Correlation ID', k.correlationId[index]],
        ['Grid', dims(k.gridX[index], k.gridY[index], k.gridZ[index])],
        ['Block', dims(k.blockX[index], k.blockY[index], k.blockZ[index])],
        ['Registers per thread', k.registersPerThread[index]],
        ['Static shared memory (B)', k.staticSharedMemory[index]],
        ['Dynamic shared memory (B)', k.dynamicSharedMemory[index]],
        ...graphNode(k.graphNodeId[index]),
      );
      if (k.mangledNameId[index] >= 0) fields.push(['Mangled name', model.strings[k.mangledNameId[index]]]);
      break;
    }
    case 'graph': {
      const g = model.graphExecs;
      fields.push(
        ['Graph id', g.graphId[index]],
        ['Graph exec id', g.graphExecId[index]],
        ['Device', g.deviceId[index]],
        ['Context', g.contextId[index]],
        ['Stream', g.streamId[index]],
        ['PID', g.pid[index]],
        ['Correlation ID', g.correlationId[index]],
        ['Recorded as', 'one graph execution (nsys --cuda-graph-trace=graph, the default); its kernels are not traced one by one'],
      );
      break;
    }
    case 'memcpy': {
      const m = model.memcpy;
      const bytes = m.bytes[index];
      fields.push(
        ['Direction', enumLabel(model.enums.memcpyOper, m.copyKind[index])],
        ['Bytes', bytes],
        ['Size', formatBytes(bytes)],
        ['Throughput (GB/s)', Number(gbPerSecond(bytes, b - a).toFixed(3))],
        ['Source memory', enumLabel(model.enums.memKind, m.srcKind[index])],
        ['Destination memory', enumLabel(model.enums.memKind, m.dstKind[index])],
        ['Device', m.deviceId[index]],
        ['Context', m.contextId[index]],
        ['Stream', m.streamId[index]],
        ['PID', m.pid[index]],
        ['Correlation ID', m.correlationId[index]],
        ...graphNode(m.graphNodeId[index]),
      );
      break;
    }
    case 'memset': {
      const m = model.memset;
      fields.push(
        ['Bytes', m.bytes[index]],
        ['Size', formatBytes(m.bytes[index])],
        ['Memory', enumLabel(model.enums.memKind, m.memKind[index])],
        ['Value', m.value[index]],
        ['Device', m.deviceId[index]],
        ['Context', m.contextId[index]],
        ['Stream', m.streamId[index]],
        ['PID', m.pid[index]],
        ['Correlation ID', m.correlationId[index]],
        ...graphNode(m.graphNodeId[index]),
      );
      break;
    }
    case 'cuda-api': {
      const c = model.api;
      if (rawName !== name) fields.push(['Raw name', rawName]);
      fields.push(
        ...thread(c.threadIndex[index]),
        ['Correlation ID', c.correlationId[index]],
        ['API class', enumLabel(model.enums.eventClass, c.eventClass[index])],
      );
      break;
    }
    case 'nvtx': {
      const n = model.nvtx;
      const color = n.color[index];
      fields.push(
        ...thread(n.threadIndex[index]),
        ['Style', NVTX_STYLE_NAMES[n.style[index]] ?? String(n.style[index])],
        ['Domain', model.nvtxDomains.get(n.domainId[index]) || '(default)'],
        ['Depth', n.depth[index]],
        ['Color', color === NULL_INT ? '(none)' : `#${(color >>> 0).toString(16).padStart(8, '0')}`],
      );
      break;
    }
    case 'osrt': {
      const o = model.osrt;
      fields.push(...thread(o.threadIndex[index]), ['Nesting level', o.nestingLevel[index]]);
      const stack = callStack(model, model.osrtStacks, o.callchainId[index]);
      if (stack) fields.push(['Call stack', stack]);
      break;
    }
    case 'sample': {
      const s = model.samples;
      fields.push(
        ...thread(s.threadIndex[index]),
        ['CPU', s.cpu[index]],
        ['Thread state', enumLabel(model.enums.threadState, s.threadState[index])],
        ['Call stack', callStack(model, model.sampleStacks, s.id[index]) || '(none)'],
      );
      break;
    }
    case 'sched': {
      const t = model.threadStates;
      fields.push(...thread(t.threadIndex[index]), ['CPU', t.cpu[index]]);
      break;
    }
    case 'nvtx-gpu': {
      // The row shows the GPU span; the range itself (CPU span, thread, domain) is listed too.
      const p = model.nvtxGpu;
      const r = p.nvtxIndex[index];
      const n = model.nvtx;
      fields.push(
        ['GPU start', formatNsExact(a)],
        ['GPU end', formatNsExact(b)],
        ['GPU span', formatNsExact(b - a)],
        ['CPU start', formatNsExact(n.startNs[r])],
        ['CPU end', formatNsExact(n.endNs[r])],
        ['CPU span', formatNsExact(n.endNs[r] - n.startNs[r])],
        ['CPU start (ns)', n.startNs[r]],
        ['CPU end (ns)', n.endNs[r]],
        ['Device', p.deviceId[index]],
        ['GPU ops launched', p.gpuOps[index]],
        ...thread(n.threadIndex[r]),
        ['Domain', model.nvtxDomains.get(n.domainId[r]) || '(default)'],
        ['Depth', p.depth[index]],
      );
      break;
    }
    case 'gpu-memory': {
      const g = model.gpuMemory;
      const delta = g.deltaBytes[index];
      fields.push(
        ['Device', g.deviceId[index]],
        ['In use', formatBytes(g.bytesInUse[index])],
        ['In use (bytes)', g.bytesInUse[index]],
        [delta < 0 ? 'Freed' : 'Allocated', formatBytes(Math.abs(delta))],
        ['Change (bytes)', delta],
      );
      break;
    }
  }

  const partners: EventDetails['partners'] = [];
  const partner = (pl: LaneKind, pi: number) => {
    const t = laneTable(model, pl);
    const n = shortName(model, pl, pi);
    partners.push({
      lane: pl,
      index: pi,
      trackId: trackOfEvent(model, pl, pi),
      startNs: t.startNs[pi],
      endNs: t.endNs[pi],
      name: pl === 'cuda-api' ? apiDisplayName(n) : n,
    });
  };
  if (lane === 'kernel' || lane === 'graph' || lane === 'memcpy' || lane === 'memset') {
    const api = corr.apiOf(lane, index);
    if (api >= 0) partner('cuda-api', api);
  } else if (lane === 'cuda-api') {
    for (const g of corr.gpuOf(index)) partner(g.lane, g.index);
  }
  return { lane, index, trackId, name, startNs: a, endNs: b, fields, partners };
}
