import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { aggregateMemOps, analyzeMemOps, OP_MEMCPY, OP_MEMSET } from '../../src/core/analysis/memcpy';
import { openTrace } from '../../src/core/io/open-trace';
import type { ApiTable, MemcpyTable, TraceModel } from '../../src/core/model/types';
import { itShared } from '../helpers/shared-traces';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
const SHARED = resolve(__dirname, '../../../shared/traces');
const PAGEABLE = resolve(SHARED, 'llm_eager_pageable.sqlite');
const sql = (file: string, q: string) => execFileSync('sqlite3', [file, q], { encoding: 'utf8' }).trim();

let m: TraceModel;
beforeAll(async () => {
  m = (await openTrace(STREAMS)).model;
});

describe('analyzeMemOps on the streams trace (12 HtoD pinned, 12 HtoD pageable, 6 DtoH, 32 MiB each)', () => {
  it('labels every copy from the file enums and finds its API call', () => {
    const t = analyzeMemOps(m);
    expect(t.count).toBe(30);
    const groups = aggregateMemOps(t);
    const g = (dir: string, src: string, dst: string) => groups.find((x) => x.direction === dir && x.srcKind === src && x.dstKind === dst);
    const pinned = g('Host-to-Device', 'Pinned', 'Device')!;
    const pageable = g('Host-to-Device', 'Pageable', 'Device')!;
    const dtoh = g('Device-to-Host', 'Device', 'Pageable')!;
    expect([pinned.count, pageable.count, dtoh.count]).toEqual([12, 12, 6]);
    for (const x of [pinned, pageable, dtoh]) expect(x.bytes).toBe(x.count * 32 * 1024 * 1024);
    // The whole point of pinned memory: the DMA engine reads it directly. Pageable goes through a staging buffer.
    expect(pageable.gbps).toBeLessThan(pinned.gbps);
    // Against sqlite3's own sums over the file.
    const [bytes, ns] = sql(STREAMS, 'SELECT sum(bytes), sum(end-start) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE copyKind=1 AND srcKind=1')
      .split('|')
      .map(Number);
    expect(pinned.bytes).toBe(bytes);
    expect(pinned.totalDmaNs).toBe(ns);
    console.log(
      groups
        .map(
          (x) =>
            `${x.direction} ${x.srcKind}->${x.dstKind}: n=${x.count} ${x.bytes} B ${x.totalDmaNs} ns ${x.gbps.toFixed(2)} GB/s mean launch ${x.meanLaunchNs.toFixed(0)} ns`,
        )
        .join('\n'),
    );
    for (let k = 0; k < t.count; k++) {
      expect(t.apiIndex[k]).toBeGreaterThanOrEqual(0);
      expect(m.strings[t.apiNameId[k]]).toMatch(/^cudaMemcpy/);
      // The API call encloses its synchronous copy's launch; derived columns follow the definitions.
      expect(t.launchNs[k]).toBe(Math.max(0, t.gpuStartNs[k] - t.cpuStartNs[k]));
      expect(t.syncWaitNs[k]).toBeGreaterThanOrEqual(0);
      expect(t.e2eNs[k]).toBe(Math.max(t.cpuEndNs[k] - t.cpuStartNs[k], t.gpuEndNs[k] - t.cpuStartNs[k]));
      expect(t.gbps[k]).toBeCloseTo(t.bytes[k] / t.dmaNs[k], 12);
    }
  });

  it('matches each copy to the API row sqlite3 finds for (pid, correlationId)', () => {
    const t = analyzeMemOps(m);
    const rows = sql(
      STREAMS,
      `SELECT m.start, r.start, r.end FROM CUPTI_ACTIVITY_KIND_MEMCPY m JOIN CUPTI_ACTIVITY_KIND_RUNTIME r
      ON r.correlationId = m.correlationId AND (r.globalTid >> 24) = (m.globalPid >> 24) ORDER BY m.start`,
    )
      .split('\n')
      .map((l) => l.split('|').map(Number));
    expect(rows.length).toBe(t.count);
    rows.forEach(([gs, cs, ce], k) => {
      expect(t.gpuStartNs[k]).toBe(gs);
      expect(t.cpuStartNs[k]).toBe(cs);
      expect(t.cpuEndNs[k]).toBe(ce);
    });
  });

  it('finds the nearest kernels before/after on the same stream and device', () => {
    const t = analyzeMemOps(m);
    const K = m.kernels;
    let checked = 0;
    for (let k = 0; k < t.count; k++) {
      const start = t.gpuStartNs[k];
      // Brute force over all kernels.
      let prevS = -1,
        nextS = -1,
        prevD = -1,
        nextD = -1;
      for (let i = 0; i < K.count; i++) {
        if (K.deviceId[i] !== t.deviceId[k]) continue;
        const same = K.streamId[i] === t.streamId[k] && K.pid[i] === t.pid[k];
        if (K.startNs[i] < start) {
          if (prevD < 0 || K.endNs[i] > K.endNs[prevD]) prevD = i;
          if (same && (prevS < 0 || K.endNs[i] > K.endNs[prevS])) prevS = i;
        } else {
          if (nextD < 0 || K.startNs[i] < K.startNs[nextD]) nextD = i;
          if (same && (nextS < 0 || K.startNs[i] < K.startNs[nextS])) nextS = i;
        }
      }
      const endOf = (i: number) => (i < 0 ? -1 : K.endNs[i]);
      const startOf = (i: number) => (i < 0 ? -1 : K.startNs[i]);
      expect(endOf(t.prevKernelStream[k])).toBe(endOf(prevS));
      expect(startOf(t.nextKernelStream[k])).toBe(startOf(nextS));
      expect(endOf(t.prevKernelDevice[k])).toBe(endOf(prevD));
      expect(startOf(t.nextKernelDevice[k])).toBe(startOf(nextD));
      if (prevS >= 0 && nextS >= 0) checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('neighbours: false (the summary) leaves the four neighbour columns at -1 and every other column as the full table has it', async () => {
    // A model of its own: the kernel order is cached per model, so a shared one would hide a build.
    const fresh = (await openTrace(STREAMS)).model;
    const lean = analyzeMemOps(fresh, { neighbours: false });
    const full = analyzeMemOps(m);
    const cols = ['prevKernelDevice', 'nextKernelDevice', 'prevKernelStream', 'nextKernelStream'] as const;
    for (const c of cols) expect([...lean[c]]).toEqual(new Array(full.count).fill(-1));
    expect(cols.some((c) => full[c].some((v) => v >= 0))).toBe(true);
    for (const key of Object.keys(full) as (keyof typeof full)[]) {
      if ((cols as readonly string[]).includes(key)) continue;
      expect(lean[key], key).toEqual(full[key]);
    }
  });

  it('filters by window (overlap) and keeps GPU start order', () => {
    const all = analyzeMemOps(m);
    const t0 = all.gpuStartNs[10] + 1;
    const t1 = all.gpuEndNs[20] - 1;
    const w = analyzeMemOps(m, { t0Ns: t0, t1Ns: t1 });
    const expected = Number(sql(STREAMS, `SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE end >= ${t0} AND start <= ${t1}`));
    expect(w.count).toBe(expected);
    for (let k = 1; k < w.count; k++) expect(w.gpuStartNs[k]).toBeGreaterThanOrEqual(w.gpuStartNs[k - 1]);
  });
});

/**
 * Two processes with the same correlation ids, as CUPTI hands out (ids are per process): a copy of
 * the streams process under another pid, its API calls shifted by 1 s. Every copy must get its own
 * process's call; a join on correlationId alone would pick one process's call for both.
 */
function withTwinProcess(src: TraceModel, twinPid: number, shiftNs: number): TraceModel {
  const cat = <T extends Float64Array | Int32Array>(a: T, b: T): T => {
    const out = new (a.constructor as { new (n: number): T })(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  const threads = [...src.threads, ...src.threads.map((t) => ({ ...t, pid: twinPid, tid: t.tid + 100000 }))];
  const nT = src.threads.length;
  const a = src.api;
  const api: ApiTable = {
    count: a.count * 2,
    startNs: cat(
      a.startNs,
      a.startNs.map((v) => v + shiftNs),
    ),
    endNs: cat(
      a.endNs,
      a.endNs.map((v) => v + shiftNs),
    ),
    globalTid: cat(a.globalTid, a.globalTid),
    threadIndex: cat(
      a.threadIndex,
      a.threadIndex.map((v) => v + nT),
    ),
    correlationId: cat(a.correlationId, a.correlationId),
    nameId: cat(a.nameId, a.nameId),
    eventClass: cat(a.eventClass, a.eventClass),
  };
  const c = src.memcpy;
  const memcpy: MemcpyTable = {
    count: c.count * 2,
    startNs: cat(
      c.startNs,
      c.startNs.map((v) => v + shiftNs),
    ),
    endNs: cat(
      c.endNs,
      c.endNs.map((v) => v + shiftNs),
    ),
    deviceId: cat(c.deviceId, c.deviceId),
    contextId: cat(c.contextId, c.contextId),
    streamId: cat(c.streamId, c.streamId),
    correlationId: cat(c.correlationId, c.correlationId),
    pid: cat(
      c.pid,
      c.pid.map(() => twinPid),
    ),
    globalPid: cat(c.globalPid, c.globalPid),
    bytes: cat(c.bytes, c.bytes),
    copyKind: cat(c.copyKind, c.copyKind),
    srcKind: cat(c.srcKind, c.srcKind),
    dstKind: cat(c.dstKind, c.dstKind),
    graphNodeId: cat(c.graphNodeId, c.graphNodeId),
  };
  return { ...src, threads, api, memcpy };
}

describe('correlation never pairs across processes', () => {
  it('gives each process its own API call for the same correlation id', () => {
    const twin = withTwinProcess(m, 4242, 1e9);
    const t = analyzeMemOps(twin);
    expect(t.count).toBe(60);
    for (let k = 0; k < t.count; k++) {
      expect(t.apiIndex[k]).toBeGreaterThanOrEqual(0);
      expect(twin.threads[t.threadIndex[k]].pid).toBe(t.pid[k]);
      // The copy and its call are 1 s away from the other process's pair: latency stays small.
      expect(t.launchNs[k]).toBeLessThan(1e8);
    }
    const pids = new Set(Array.from(t.pid));
    expect(pids).toEqual(new Set([m.memcpy.pid[0], 4242]));
  });

  itShared('holds on the real llm_eager_pageable trace, memsets included', async () => {
    const big = (await openTrace(PAGEABLE)).model;
    const t = analyzeMemOps(big);
    expect(t.count).toBe(big.memcpy.count + big.memset.count);
    let memsets = 0;
    for (let k = 0; k < t.count; k++) {
      if (t.op[k] === OP_MEMSET) memsets++;
      else expect(t.op[k]).toBe(OP_MEMCPY);
      if (t.apiIndex[k] >= 0) expect(big.threads[t.threadIndex[k]].pid).toBe(t.pid[k]);
    }
    expect(memsets).toBe(26);
    const found = Array.from(t.apiIndex).filter((v) => v >= 0).length;
    expect(found).toBe(t.count);
    const groups = aggregateMemOps(t);
    const htod = groups.find((g) => g.direction === 'Host-to-Device' && g.srcKind === 'Pageable')!;
    // nsys stats cuda_gpu_mem_size_sum says 401.664 MB HtoD (decimal MB), 119 copies.
    expect(htod.count).toBe(119);
    expect((htod.bytes / 1e6).toFixed(3)).toBe('401.664');
  });
});
