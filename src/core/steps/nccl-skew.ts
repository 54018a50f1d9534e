import { buildCorrelation, type CorrelationIndex } from '../model/correlation';
import type { DurNs, Ns, TraceModel } from '../model/types';
import { kernelNameId } from '../stats/kernel-name';
import { apiDisplayName } from '../stats/numeric';
import { kernelCategory } from '../util/kernel-category';
import { percentileOfSorted } from './detect-steps';

/**
 * NCCL collectives matched across ranks. Every rank of a communicator runs the same sequence of
 * collectives, so the k-th NCCL kernel of each process is the same collective (tensor-parallel
 * decode: one process per GPU). Its kernels start when each rank arrives; the collective can only
 * finish when the last one does, so the spread of the starts (arrival skew) is time the early ranks
 * spin in NCCL waiting.
 */
export interface NcclRankArrival {
  pid: number;
  deviceId: number;
  kernelIndex: number;
  startNs: Ns;
  endNs: Ns;
  /** Start of the CUDA API call that launched the kernel (-1 when not correlated). */
  launchNs: Ns;
}

export interface NcclCollective {
  /** Position in each rank's NCCL sequence, from 0. */
  seq: number;
  /** Short kernel name of the collective (e.g. ncclDevKernel_AllReduce_Sum_bf16_RING_LL). */
  name: string;
  ranks: NcclRankArrival[];
  /** Latest start − earliest start. */
  skewNs: DurNs;
  latePid: number;
  /** What the late rank did just before: the GPU work before the collective, and whether its host launched late. */
  lateReason: string;
}

export interface NcclSkew {
  pids: number[];
  /** False when the ranks' NCCL sequences differ in length or names (matched up to the shortest). */
  sequencesMatch: boolean;
  collectives: NcclCollective[];
  skewP50Ns: DurNs;
  skewP99Ns: DurNs;
  skewMaxNs: DurNs;
  /** Per pid: how many collectives it arrived last at, and the skew it caused in total. */
  lateCounts: { pid: number; late: number; skewNs: DurNs }[];
}

export function ncclSkew(model: TraceModel, correlation?: CorrelationIndex): NcclSkew | null {
  const K = model.kernels;
  const isNccl = new Map<number, boolean>();
  const byPid = new Map<number, number[]>();
  for (let i = 0; i < K.count; i++) {
    const id = kernelNameId(model, i);
    let n = isNccl.get(id);
    if (n === undefined) isNccl.set(id, (n = kernelCategory(model.strings[id] ?? '') === 'nccl'));
    if (!n) continue;
    let l = byPid.get(K.pid[i]);
    if (!l) byPid.set(K.pid[i], (l = []));
    l.push(i);
  }
  if (byPid.size < 2) return null;
  const corr = correlation ?? buildCorrelation(model);
  const pids = [...byPid.keys()].sort((a, b) => a - b);
  for (const l of byPid.values()) l.sort((a, b) => K.startNs[a] - K.startNs[b]);
  const lists = pids.map((p) => byPid.get(p) ?? []);
  const n = Math.min(...lists.map((l) => l.length));
  const shortName = (i: number) => model.strings[K.shortNameId[i]] ?? model.strings[kernelNameId(model, i)] ?? '';
  let sequencesMatch = lists.every((l) => l.length === n);
  // Previous kernel of a pid before a given kernel, for "what it did just before".
  const allByPid = new Map<number, number[]>();
  for (let i = 0; i < K.count; i++) {
    if (!byPid.has(K.pid[i])) continue;
    let l = allByPid.get(K.pid[i]);
    if (!l) allByPid.set(K.pid[i], (l = []));
    l.push(i);
  }
  const posInPid = new Int32Array(K.count).fill(-1);
  for (const l of allByPid.values()) {
    l.sort((a, b) => K.startNs[a] - K.startNs[b]);
    l.forEach((i, p) => {
      posInPid[i] = p;
    });
  }
  const collectives: NcclCollective[] = [];
  const late = new Map<number, { late: number; skewNs: number }>();
  for (let k = 0; k < n; k++) {
    const ranks: NcclRankArrival[] = lists.map((l, r) => {
      const i = l[k];
      const a = corr.apiOf('kernel', i);
      return {
        pid: pids[r],
        deviceId: K.deviceId[i],
        kernelIndex: i,
        startNs: K.startNs[i],
        endNs: K.endNs[i],
        launchNs: a >= 0 ? model.api.startNs[a] : -1,
      };
    });
    const names = ranks.map((r) => shortName(r.kernelIndex));
    if (names.some((x) => x !== names[0])) sequencesMatch = false;
    let first = ranks[0];
    let last = ranks[0];
    for (const r of ranks) {
      if (r.startNs < first.startNs) first = r;
      if (r.startNs > last.startNs) last = r;
    }
    const skewNs = last.startNs - first.startNs;
    const prevList = allByPid.get(last.pid) ?? [];
    const prevPos = posInPid[last.kernelIndex] - 1;
    const prev = prevPos >= 0 ? prevList[prevPos] : -1;
    const parts: string[] = [];
    if (prev >= 0) parts.push(`its GPU ran ${shortName(prev)} until ${((last.startNs - K.endNs[prev]) / 1e3).toFixed(1)} µs before`);
    if (last.launchNs >= 0 && first.launchNs >= 0) {
      const d = last.launchNs - first.launchNs;
      const a = corr.apiOf('kernel', last.kernelIndex);
      const api = a >= 0 ? apiDisplayName(model.strings[model.api.nameId[a]] ?? '') : 'its launch';
      parts.push(
        d > 0
          ? `its host called ${api} ${(d / 1e3).toFixed(1)} µs after pid ${first.pid}'s`
          : `its host launched first; the GPU was behind`,
      );
    }
    collectives.push({ seq: k, name: names[0], ranks, skewNs, latePid: last.pid, lateReason: parts.join('; ') });
    const e = late.get(last.pid) ?? { late: 0, skewNs: 0 };
    e.late++;
    e.skewNs += skewNs;
    late.set(last.pid, e);
  }
  const skews = collectives.map((c) => c.skewNs).sort((a, b) => a - b);
  return {
    pids,
    sequencesMatch,
    collectives,
    skewP50Ns: skews.length ? percentileOfSorted(skews, 50) : 0,
    skewP99Ns: skews.length ? percentileOfSorted(skews, 99) : 0,
    skewMaxNs: skews.length ? skews[skews.length - 1] : 0,
    lateCounts: pids.map((pid) => ({ pid, late: late.get(pid)?.late ?? 0, skewNs: late.get(pid)?.skewNs ?? 0 })),
  };
}
