import type { TraceModel } from '../model/types';
import { rowFilter } from './filter';
import { kernelNameId, stringOf } from './kernel-name';
import { apiDisplayName, compareUtf8, round1, summarize, type Summary } from './numeric';
import type { StatsFilter, StatsReport } from './types';

const PID_SHIFT = 16777216; // 2^24: globalTid = (globalPid part) | tid, globalPid = (hw, vm, pid) << 24

interface ExecGroup {
  pid: number;
  tid: number;
  deviceId: number;
  apiName: string;
  kernelName: string;
  total: number[];
  api: number[];
  queue: number[];
  kernel: number[];
}

/**
 * cuda_kern_exec_sum: every kernel joined to the CUDA API call that launched it on
 * (globalPid, correlationId) — correlation ids are per process — grouped by (launching pid, tid,
 * device, API name, kernel name). Per launch: API time = call duration; queue time = kernel start
 * − call end, counted only when ≥ 0 (QCount); kernel time; total = max(call end, kernel end) −
 * call start. A graph launch owns all its kernels, so each counts the one cudaGraphLaunch call.
 * Ordered by the rounded TAvg desc (nsys: ORDER BY 6 DESC); ties keep the GROUP BY key order.
 */
export function cudaKernExecSum(model: TraceModel, filter?: StatsFilter): StatsReport {
  const { api, kernels: k, threads } = model;
  const f = rowFilter(filter);

  // (globalPid >> 24, correlationId) → API rows. A plain number key would exceed 2^53, so nest maps.
  const apiByProc = new Map<number, Map<number, number[]>>();
  for (let i = 0; i < api.count; i++) {
    const th = threads[api.threadIndex[i]];
    if (f.active && !f.keepCpu(api.startNs[i], api.endNs[i], th.pid, api.globalTid[i])) continue;
    const proc = Math.floor(api.globalTid[i] / PID_SHIFT);
    let byCorr = apiByProc.get(proc);
    if (!byCorr) apiByProc.set(proc, (byCorr = new Map()));
    const list = byCorr.get(api.correlationId[i]);
    if (list) list.push(i);
    else byCorr.set(api.correlationId[i], [i]);
  }

  // Group keys from small integers: names are canonicalised once per string id (two ids may print
  // alike: "cuFoo_v2000" and "cuFoo"), so the 1M-launch traces build no per-launch name strings.
  const canon = new Map<string, number>();
  const canonOf = (ids: Map<number, number>, id: number, text: (id: number) => string): number => {
    let c = ids.get(id);
    if (c === undefined) {
      const s = text(id);
      c = canon.get(s);
      if (c === undefined) canon.set(s, (c = canon.size));
      ids.set(id, c);
    }
    return c;
  };
  const apiCanon = new Map<number, number>();
  const kernelCanon = new Map<number, number>();
  const apiText = (id: number) => `a:${apiDisplayName(stringOf(model, id))}`;
  const kernelText = (id: number) => `k:${stringOf(model, id)}`;

  const groups = new Map<string, ExecGroup>();
  for (let j = 0; j < k.count; j++) {
    if (f.active && !f.keep(k.startNs[j], k.endNs[j], k.pid[j])) continue;
    const calls = apiByProc.get(Math.floor(k.globalPid[j] / PID_SHIFT))?.get(k.correlationId[j]);
    if (!calls) continue;
    const kernelId = kernelNameId(model, j);
    const kc = canonOf(kernelCanon, kernelId, kernelText);
    for (const i of calls) {
      const th = threads[api.threadIndex[i]];
      const key = `${th.pid},${th.tid},${k.deviceId[j]},${canonOf(apiCanon, api.nameId[i], apiText)},${kc}`;
      let g = groups.get(key);
      if (!g) {
        const apiName = apiDisplayName(stringOf(model, api.nameId[i]));
        g = {
          pid: th.pid,
          tid: th.tid,
          deviceId: k.deviceId[j],
          apiName,
          kernelName: stringOf(model, kernelId),
          total: [],
          api: [],
          queue: [],
          kernel: [],
        };
        groups.set(key, g);
      }
      const queue = k.startNs[j] - api.endNs[i];
      g.api.push(api.endNs[i] - api.startNs[i]);
      if (queue >= 0) g.queue.push(queue);
      g.kernel.push(k.endNs[j] - k.startNs[j]);
      g.total.push(Math.max(api.endNs[i], k.endNs[j]) - api.startNs[i]);
    }
  }

  const rows = [...groups.values()].map((g) => {
    const t = summarize(g.total);
    return { g, t, tAvg: round1(t.mean), a: summarize(g.api), q: summarize(g.queue), kk: summarize(g.kernel) };
  });
  rows.sort(
    (x, y) =>
      Number(y.tAvg) - Number(x.tAvg) ||
      x.g.pid - y.g.pid ||
      x.g.tid - y.g.tid ||
      x.g.deviceId - y.g.deviceId ||
      compareUtf8(x.g.apiName, y.g.apiName) ||
      compareUtf8(x.g.kernelName, y.g.kernelName),
  );
  const cells = (s: Summary) => [round1(s.mean), round1(s.median), nullable(s.min), nullable(s.max), round1(s.stdev)];
  return {
    name: 'cuda_kern_exec_sum',
    columns: [
      'PID',
      'TID',
      'DevId',
      'Count',
      'QCount',
      ...['T', 'A', 'Q', 'K'].flatMap((p) => [`${p}Avg (ns)`, `${p}Med (ns)`, `${p}Min (ns)`, `${p}Max (ns)`, `${p}StdDev (ns)`]),
      'API Name',
      'Kernel Name',
    ],
    rows: rows.map(({ g, t, a, q, kk }) => [
      g.pid,
      g.tid,
      g.deviceId,
      t.count,
      q.count,
      ...cells(t),
      ...cells(a),
      ...cells(q),
      ...cells(kk),
      g.apiName,
      g.kernelName,
    ]),
  };
}

/** min/max of an empty group is SQL NULL: an empty CSV field. */
function nullable(x: number): number | string {
  return Number.isNaN(x) ? '' : x;
}
