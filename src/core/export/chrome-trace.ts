import { buildCorrelation, type CorrelationIndex, type GpuRef } from '../model/correlation';
import type { LaneKind, TraceModel } from '../model/types';
import { laneTable } from '../query/lanes';
import { displayName } from '../service/names';
import { apiDisplayName } from '../stats/numeric';
import { fileStem } from './table-export';

/**
 * Chrome Trace Event JSON (the "JSON Object Format" that Perfetto and chrome://tracing open):
 * GPU streams and CPU threads as tracks, every kernel, copy, memset, CUDA graph execution, CUDA
 * API call, NVTX range and OS runtime call as a complete event ('X'), NVTX marks as instants, and
 * one flow (v1 'flow start' 's' on the API call → 'flow finish' 'f' with bp 'e' on the GPU op)
 * per API → GPU correlation, which the converters users run today drop.
 *
 * Times: `ts`/`dur` are µs (the format's unit) written from integer ns as decimal text with three
 * fractional digits (1234567 ns → 1234.567), so the file is exact to the ns; they count from
 * session start, as every other view and export does.
 *
 * Nesting: the format draws 'X' events of one thread as a stack and Perfetto drops events that
 * overlap without nesting. Push/pop NVTX ranges, CUDA API calls and OS runtime calls of one thread
 * nest in practice, but start/end NVTX ranges may cross, and timers can disagree by a few ns; any
 * event that does not nest inside the thread's open stack is written as an async slice ('b'/'e')
 * of its process instead, so it is still shown, on a track of its own, rather than dropped.
 */
export interface ChromeTraceOptions {
  /** Keep events overlapping [fromNs, toNs] (ns since session start); whole trace when omitted. */
  fromNs?: number;
  toNs?: number;
  /** The trace's correlation index when the caller keeps one (TraceService), else built here. */
  correlation?: CorrelationIndex;
}

export interface ChromeTraceCounts {
  kernel: number;
  graph: number;
  memcpy: number;
  memset: number;
  'cuda-api': number;
  nvtx: number;
  osrt: number;
  flows: number;
  /** Events written as async slices because they did not nest on their thread. */
  async: number;
}

export interface ChromeTrace {
  json: string;
  counts: ChromeTraceCounts;
}

/** exportTrace's answer over the bridge: the file name to save it under, its text and what it holds. */
export interface ChromeTraceFile extends ChromeTrace {
  fileName: string;
}

/** `<trace>_<from>-<to>ms.trace.json` (or `<trace>.trace.json` for the whole trace), no directories. */
export function chromeTraceFileName(sourceName: string, range?: { fromMs: number; toMs: number }): string {
  return `${fileStem(sourceName)}${range ? `_${range.fromMs}-${range.toMs}ms` : ''}.trace.json`;
}

const EXPORTED_LANES = ['kernel', 'graph', 'memcpy', 'memset', 'cuda-api', 'nvtx', 'osrt'] as const;
type ExportedLane = (typeof EXPORTED_LANES)[number];
const GPU_LANES: ReadonlySet<LaneKind> = new Set(['kernel', 'graph', 'memcpy', 'memset']);

/** Integer ns → µs as exact decimal text: 1234567 → "1234.567", -5 → "-0.005". */
export function nsToUsText(ns: number): string {
  const n = Math.round(ns);
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  const frac = a % 1000;
  return `${sign}${(a - frac) / 1000}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

interface PendingEvent {
  lane: ExportedLane;
  index: number;
  startNs: number;
  endNs: number;
}

export function exportChromeTrace(model: TraceModel, opts: ChromeTraceOptions = {}): ChromeTrace {
  const fromNs = opts.fromNs ?? -Infinity;
  const toNs = opts.toNs ?? Infinity;
  const counts: ChromeTraceCounts = { kernel: 0, graph: 0, memcpy: 0, memset: 0, 'cuda-api': 0, nvtx: 0, osrt: 0, flows: 0, async: 0 };
  const out: string[] = [];
  const str = JSON.stringify;

  // GPU tracks get synthetic pids past every real one (one "process" per GPU), and tids numbered
  // per stream row, since several processes may each have a "stream 7" on one device.
  let maxPid = 0;
  for (const p of model.processes) maxPid = Math.max(maxPid, p.pid);
  for (const t of model.threads) maxPid = Math.max(maxPid, t.pid);
  for (const t of model.tracks) if (t.pid !== undefined) maxPid = Math.max(maxPid, t.pid);
  const gpuPid = (deviceId: number) => maxPid + 1 + deviceId;

  // Where each exported event sits: (pid, tid) per (lane, index), filled while grouping tracks.
  const place = new Map<ExportedLane, { pid: Int32Array; tid: Int32Array }>();
  for (const lane of EXPORTED_LANES) {
    const n = laneTable(model, lane).startNs.length;
    place.set(lane, { pid: new Int32Array(n).fill(-1), tid: new Int32Array(n).fill(-1) });
  }

  // Group tracks into rows: a GPU row per (device, pid, stream), a CPU row per thread.
  const rows = new Map<string, { pid: number; tid: number; events: PendingEvent[] }>();
  const named = new Set<string>();
  let nextGpuTid = 1;
  const gpuTidOf = new Map<string, number>();
  for (const track of model.tracks) {
    if (!(EXPORTED_LANES as readonly string[]).includes(track.lane)) continue;
    const lane = track.lane as ExportedLane;
    const cols = laneTable(model, lane);
    let key: string;
    let pid: number;
    let tid: number;
    if (GPU_LANES.has(lane)) {
      const dev = track.deviceId ?? 0;
      key = `gpu/${dev}/${track.pid ?? 0}/${track.streamId ?? 0}`;
      pid = gpuPid(dev);
      let t = gpuTidOf.get(key);
      if (t === undefined) gpuTidOf.set(key, (t = nextGpuTid++));
      tid = t;
      const gpu = model.gpus.find((g) => g.deviceId === dev);
      if (!named.has(`p${pid}`)) {
        named.add(`p${pid}`);
        out.push(
          `{"ph":"M","name":"process_name","pid":${pid},"tid":0,"args":{"name":${str(`GPU ${dev}${gpu?.name ? ` (${gpu.name})` : ''}`)}}}`,
        );
        out.push(`{"ph":"M","name":"process_sort_index","pid":${pid},"tid":0,"args":{"sort_index":${-1000 + dev}}}`);
      }
      if (!named.has(key)) {
        named.add(key);
        out.push(
          `{"ph":"M","name":"thread_name","pid":${pid},"tid":${tid},"args":{"name":${str(`Stream ${track.streamId ?? '?'} · pid ${track.pid ?? '?'}`)}}}`,
        );
        out.push(`{"ph":"M","name":"thread_sort_index","pid":${pid},"tid":${tid},"args":{"sort_index":${tid}}}`);
      }
    } else {
      pid = track.pid ?? 0;
      tid = track.tid ?? 0;
      key = `cpu/${pid}/${tid}`;
      if (!named.has(`p${pid}`)) {
        named.add(`p${pid}`);
        const proc = model.processes.find((p) => p.pid === pid);
        out.push(
          `{"ph":"M","name":"process_name","pid":${pid},"tid":0,"args":{"name":${str(proc?.name ? `${proc.name} (${pid})` : `Process ${pid}`)}}}`,
        );
      }
      if (!named.has(key)) {
        named.add(key);
        const th = model.threads.find((t) => t.pid === pid && t.tid === tid);
        out.push(`{"ph":"M","name":"thread_name","pid":${pid},"tid":${tid},"args":{"name":${str(th?.name || `Thread ${tid}`)}}}`);
      }
    }
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { pid, tid, events: [] }));
    const pl = place.get(lane)!;
    for (const i of track.indices) {
      const s = cols.startNs[i];
      const e = cols.endNs[i];
      if (e < fromNs || s > toNs) continue;
      row.events.push({ lane, index: i, startNs: s, endNs: e });
      pl.pid[i] = pid;
      pl.tid[i] = tid;
    }
  }

  let asyncId = 1;
  for (const row of rows.values()) {
    // Start order, longer first on ties, so a parent precedes the children that start with it.
    row.events.sort((a, b) => a.startNs - b.startNs || b.endNs - a.endNs);
    const open: number[] = []; // end ns of the open stack
    for (const ev of row.events) {
      counts[ev.lane]++;
      const { name, cat, args } = describe(model, ev.lane, ev.index);
      const isMark = ev.lane === 'nvtx' && model.nvtx.style[ev.index] === 2;
      const head = `"name":${str(name)},"cat":"${cat}","pid":${row.pid},"tid":${row.tid}`;
      if (isMark) {
        out.push(`{"ph":"i","s":"t",${head},"ts":${nsToUsText(ev.startNs)},"args":${args}}`);
        continue;
      }
      while (open.length && open[open.length - 1] <= ev.startNs) open.pop();
      const nests = !open.length || ev.endNs <= open[open.length - 1];
      const startEnd = ev.lane === 'nvtx' && model.nvtx.style[ev.index] === 1;
      if (nests && !startEnd) {
        open.push(ev.endNs);
        out.push(`{"ph":"X",${head},"ts":${nsToUsText(ev.startNs)},"dur":${nsToUsText(ev.endNs - ev.startNs)},"args":${args}}`);
      } else {
        counts.async++;
        const id = asyncId++;
        out.push(`{"ph":"b",${head},"id":${id},"ts":${nsToUsText(ev.startNs)},"args":${args}}`);
        out.push(`{"ph":"e",${head},"id":${id},"ts":${nsToUsText(ev.endNs)}}`);
      }
    }
  }

  // Flows: API call → each GPU op it launched, when both ends are in the file.
  const corr = opts.correlation ?? buildCorrelation(model);
  const apiPlace = place.get('cuda-api')!;
  const api = model.api;
  let flowId = 1;
  for (let a = 0; a < api.count; a++) {
    if (apiPlace.pid[a] < 0) continue;
    const gpu: GpuRef[] = corr.gpuOf(a);
    for (const g of gpu) {
      const gp = place.get(g.lane)!;
      if (gp.pid[g.index] < 0) continue;
      const gs = laneTable(model, g.lane).startNs[g.index];
      const id = flowId++;
      counts.flows++;
      out.push(
        `{"ph":"s","name":"launch","cat":"cuda-flow","id":${id},"pid":${apiPlace.pid[a]},"tid":${apiPlace.tid[a]},"ts":${nsToUsText(api.startNs[a])}}`,
      );
      out.push(
        `{"ph":"f","bp":"e","name":"launch","cat":"cuda-flow","id":${id},"pid":${gp.pid[g.index]},"tid":${gp.tid[g.index]},"ts":${nsToUsText(gs)}}`,
      );
    }
  }

  const other = {
    source: model.meta.sourceName,
    exportVersion: model.meta.exportVersion,
    timeOrigin: 'session start (ns 0 of the nsys export)',
    window: opts.fromNs !== undefined || opts.toNs !== undefined ? { fromNs: opts.fromNs ?? null, toNs: opts.toNs ?? null } : null,
  };
  const json = `{"displayTimeUnit":"ns","otherData":${str(other)},"traceEvents":[\n${out.join(',\n')}\n]}\n`;
  return { json, counts };
}

function describe(model: TraceModel, lane: ExportedLane, i: number): { name: string; cat: string; args: string } {
  const str = JSON.stringify;
  switch (lane) {
    case 'kernel': {
      const k = model.kernels;
      return {
        name: displayName(model, lane, i),
        cat: 'kernel',
        args: str({
          correlationId: k.correlationId[i],
          device: k.deviceId[i],
          stream: k.streamId[i],
          grid: [k.gridX[i], k.gridY[i], k.gridZ[i]],
          block: [k.blockX[i], k.blockY[i], k.blockZ[i]],
          registersPerThread: k.registersPerThread[i],
          staticSharedMemory: k.staticSharedMemory[i],
          dynamicSharedMemory: k.dynamicSharedMemory[i],
        }),
      };
    }
    case 'graph': {
      const g = model.graphExecs;
      return {
        name: displayName(model, lane, i),
        cat: 'cuda-graph',
        args: str({
          correlationId: g.correlationId[i],
          device: g.deviceId[i],
          stream: g.streamId[i],
          graphId: g.graphId[i],
          graphExecId: g.graphExecId[i],
        }),
      };
    }
    case 'memcpy': {
      const m = model.memcpy;
      return {
        name: displayName(model, lane, i),
        cat: 'memcpy',
        args: str({
          correlationId: m.correlationId[i],
          device: m.deviceId[i],
          stream: m.streamId[i],
          bytes: m.bytes[i],
          srcKind: model.enums.memKind.labels.get(m.srcKind[i]) ?? null,
          dstKind: model.enums.memKind.labels.get(m.dstKind[i]) ?? null,
        }),
      };
    }
    case 'memset': {
      const m = model.memset;
      return {
        name: displayName(model, lane, i),
        cat: 'memset',
        args: str({
          correlationId: m.correlationId[i],
          device: m.deviceId[i],
          stream: m.streamId[i],
          bytes: m.bytes[i],
          value: m.value[i],
        }),
      };
    }
    case 'cuda-api': {
      const raw = model.strings[model.api.nameId[i]] ?? '';
      return { name: apiDisplayName(raw), cat: 'cuda-api', args: str({ correlationId: model.api.correlationId[i], rawName: raw }) };
    }
    case 'nvtx': {
      const n = model.nvtx;
      const domain = model.nvtxDomains.get(n.domainId[i]) ?? '';
      return { name: model.strings[n.nameId[i]] ?? '', cat: 'nvtx', args: str(domain ? { domain } : {}) };
    }
    case 'osrt':
      return { name: model.strings[model.osrt.nameId[i]] ?? '', cat: 'osrt', args: '{}' };
  }
}
