import { basename } from 'node:path';
import { expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import type { EnumTable, LaneKind, TraceModel, Track } from '../../src/core/model/types';
import { requireFile, tracePath } from './paths';
import { itShared } from './shared-traces';

/**
 * Speedscope-style snapshot tests: a compact, readable text dump of what the model made of a real
 * trace, compared with tests/snapshots/NAME.txt. A change to readers, tracks or NVTX depths shows
 * up as a reviewable diff (`npx vitest run tests/snapshot.test.ts -u` to accept it).
 */
export function checkTraceSnapshot(file: string, timeoutMs = 120_000): void {
  const path = tracePath(file);
  const name = basename(path);
  (file.startsWith('shared:') ? itShared : it)(
    `${name} reads as its snapshot`,
    async () => {
      const { model } = await openTrace(requireFile(path));
      // Relative to the calling test file (tests/snapshot.test.ts).
      await expect(dumpTrace(model)).toMatchFileSnapshot(`snapshots/${name}.txt`);
    },
    timeoutMs,
  );
}

const ms = (ns: number) => `${(ns / 1e6).toFixed(3)} ms`;
const clip = (s: string, n = 70) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const label = (e: EnumTable, id: number) => (id < 0 ? '-' : (e.labels.get(id) ?? `#${id}`));

/** Name of event `i` of a lane, the way the timeline labels it. */
export function eventName(m: TraceModel, lane: LaneKind, i: number): string {
  switch (lane) {
    case 'kernel': {
      const id = m.kernels.shortNameId[i] >= 0 ? m.kernels.shortNameId[i] : m.kernels.demangledNameId[i];
      return m.strings[id] ?? `#${id}`;
    }
    case 'graph':
      return `graph ${m.graphExecs.graphId[i]} exec ${m.graphExecs.graphExecId[i]}`;
    case 'memcpy':
      return `${label(m.enums.memcpyOper, m.memcpy.copyKind[i])} ${m.memcpy.bytes[i]} B`;
    case 'memset':
      return `memset ${m.memset.bytes[i]} B`;
    case 'cuda-api':
      return m.strings[m.api.nameId[i]] ?? `#${m.api.nameId[i]}`;
    case 'nvtx':
      return m.strings[m.nvtx.nameId[i]] ?? `#${m.nvtx.nameId[i]}`;
    case 'osrt':
      return m.strings[m.osrt.nameId[i]] ?? `#${m.osrt.nameId[i]}`;
    case 'sample':
      return m.strings[m.samples.nameId[i]] ?? `#${m.samples.nameId[i]}`;
    case 'sched':
      return `running on CPU ${m.threadStates.cpu[i]}`;
    case 'gpu-memory':
      return `${m.gpuMemory.bytesInUse[i]} B in use`;
    case 'nvtx-gpu':
      return m.strings[m.nvtxGpu.nameId[i]] ?? `#${m.nvtxGpu.nameId[i]}`;
  }
}

function laneTable(m: TraceModel, lane: LaneKind): { startNs: Float64Array; endNs: Float64Array } {
  return {
    kernel: m.kernels,
    graph: m.graphExecs,
    memcpy: m.memcpy,
    memset: m.memset,
    'cuda-api': m.api,
    nvtx: m.nvtx,
    osrt: m.osrt,
    sample: m.samples,
    sched: m.threadStates,
    'gpu-memory': m.gpuMemory,
    'nvtx-gpu': m.nvtxGpu,
  }[lane];
}

function trackLine(m: TraceModel, t: Track): string {
  const tab = laneTable(m, t.lane);
  const n = t.indices.length;
  const first = t.indices[0];
  const last = t.indices[n - 1];
  let sumNs = 0;
  for (let j = 0; j < n; j++) sumNs += tab.endNs[t.indices[j]] - tab.startNs[t.indices[j]];
  const parts = [
    `${t.id}`,
    `${n} events`,
    `sum ${ms(sumNs)}`,
    `max ${ms(t.maxDurNs)}`,
    ...(t.lane === 'nvtx' ? [`depth ${t.depthCount}`] : []),
    `first: ${clip(eventName(m, t.lane, first))} @ ${ms(tab.startNs[first])}`,
    `last: ${clip(eventName(m, t.lane, last))} @ ${ms(tab.startNs[last])}`,
  ];
  return `  ${parts.join(' | ')}`;
}

function countBy<T>(n: number, key: (i: number) => T): Map<T, number> {
  const out = new Map<T, number>();
  for (let i = 0; i < n; i++) out.set(key(i), (out.get(key(i)) ?? 0) + 1);
  return out;
}

/** The dump itself: deterministic (no paths, no dates of the run), one fact per line. */
export function dumpTrace(m: TraceModel): string {
  const L: string[] = [];
  const meta = m.meta;
  L.push(`# ${meta.sourceName}`);
  L.push(`export     nsys ${meta.exportVersion || '?'} | schema ${meta.schemaVersion || '?'} | ${meta.metaTable}`);
  L.push(`session    ${ms(meta.sessionStartNs)} .. ${ms(meta.sessionEndNs)} | events ${ms(meta.firstEventNs)} .. ${ms(meta.lastEventNs)}`);
  L.push(
    `counts     kernels ${m.kernels.count} | memcpy ${m.memcpy.count} | memset ${m.memset.count} | cuda-api ${m.api.count} | nvtx ${m.nvtx.count} | osrt ${m.osrt.count}`,
  );
  const copies = countBy(
    m.memcpy.count,
    (i) =>
      `${label(m.enums.memcpyOper, m.memcpy.copyKind[i])} (${label(m.enums.memKind, m.memcpy.srcKind[i])} -> ${label(m.enums.memKind, m.memcpy.dstKind[i])})`,
  );
  for (const [k, c] of [...copies].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) L.push(`memcpy     ${c} x ${k}`);
  const apiClasses = countBy(m.api.count, (i) => label(m.enums.eventClass, m.api.eventClass[i]));
  if (m.api.count)
    L.push(
      `api class  ${[...apiClasses]
        .sort()
        .map(([k, c]) => `${k} ${c}`)
        .join(' | ')}`,
    );
  for (const g of m.gpus)
    L.push(
      `gpu ${g.deviceId}      ${g.name} | ${g.chipName} | ${g.smCount} SMs | ${(g.totalMemory / 2 ** 30).toFixed(2)} GiB | bus ${g.busLocation}`,
    );
  if (!m.gpus.length) L.push('gpus       none');

  // Processes that own events (2022.4 exports list every process on the machine in PROCESSES).
  const active = new Set<number>([...m.threads.map((t) => t.pid), ...m.tracks.filter((t) => t.pid !== undefined).map((t) => t.pid!)]);
  L.push(`processes  ${m.processes.length} listed, ${active.size} with events`);
  for (const pid of [...active].sort((a, b) => a - b)) {
    const p = m.processes.find((q) => q.pid === pid);
    const threads = m.threads.filter((t) => t.pid === pid).sort((a, b) => a.tid - b.tid);
    const shown = threads.slice(0, 6).map((t) => `${t.tid}${t.name ? ` "${clip(t.name, 30)}"` : ''}`);
    L.push(
      `  pid ${pid} ${p ? JSON.stringify(clip(p.name, 60)) : '(not in PROCESSES)'} | ${threads.length} threads: ${shown.join(', ')}${threads.length > 6 ? ', …' : ''}`,
    );
  }
  const domains = [...m.nvtxDomains].filter(([id]) => id !== 0).sort((a, b) => a[0] - b[0]);
  if (domains.length) L.push(`nvtx doms  ${domains.map(([id, n]) => `${id} ${JSON.stringify(n)}`).join(', ')}`);

  L.push(`tracks     ${m.tracks.length}`);
  for (const t of m.tracks) L.push(trackLine(m, t));

  // NVTX ranges per thread and depth: the most frequent names and the first ranges, with durations.
  for (const t of m.tracks.filter((x) => x.lane === 'nvtx')) {
    for (let d = 0; d < t.depthCount; d++) {
      const at = Array.from(t.indices).filter((i) => m.nvtx.depth[i] === d);
      const names = countBy(at.length, (k) => eventName(m, 'nvtx', at[k]));
      const top = [...names].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      L.push(
        `nvtx ${t.id} depth ${d}: ${at.length} ranges, ${names.size} names: ${top
          .slice(0, 6)
          .map(([n, c]) => `${JSON.stringify(clip(n, 40))} x${c}`)
          .join(', ')}${top.length > 6 ? ', …' : ''}`,
      );
      for (const i of at.slice(0, 3)) {
        const style = ['push/pop', 'start/end', 'mark'][m.nvtx.style[i]];
        L.push(
          `    ${JSON.stringify(clip(eventName(m, 'nvtx', i), 50))} ${style} @ ${ms(m.nvtx.startNs[i])} for ${ms(m.nvtx.endNs[i] - m.nvtx.startNs[i])}`,
        );
      }
    }
  }
  return `${L.join('\n')}\n`;
}
