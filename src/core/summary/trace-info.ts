import type { TraceModel } from '../model/types';
import { formatDurationNs } from '../util/format';

/** `nsys-viewer info` as data: versions, tables, counts, span, GPUs, processes. */
export function traceInfoJson(m: TraceModel) {
  return {
    file: m.meta.sourceName,
    exportVersion: m.meta.exportVersion || null,
    schemaVersion: m.meta.schemaVersion || null,
    metaTable: m.meta.metaTable,
    session: { startNs: m.meta.sessionStartNs, endNs: m.meta.sessionEndNs, durationNs: m.meta.sessionEndNs - m.meta.sessionStartNs },
    events: { firstNs: m.meta.firstEventNs, lastNs: m.meta.lastEventNs },
    counts: {
      kernels: m.kernels.count,
      memcpy: m.memcpy.count,
      memset: m.memset.count,
      cudaApi: m.api.count,
      nvtx: m.nvtx.count,
      osrt: m.osrt.count,
      graphExecs: m.graphExecs.count,
      cpuSamples: m.samples.count,
      threadRunningIntervals: m.threadStates.count,
      gpuMemoryEvents: m.gpuMemory.count,
    },
    gpus: m.gpus.map((g) => ({ deviceId: g.deviceId, name: g.name, chip: g.chipName, smCount: g.smCount, memoryBytes: g.totalMemory })),
    processes: m.processes
      .filter((p) => m.threads.some((t) => t.pid === p.pid) || m.tracks.some((t) => t.pid === p.pid))
      .map((p) => ({ pid: p.pid, name: p.name, threads: m.threads.filter((t) => t.pid === p.pid).length })),
    streams: m.tracks
      .filter((t) => t.deviceId !== undefined && t.lane !== 'nvtx-gpu')
      .map((t) => ({ track: t.id, events: t.indices.length })),
    tables: m.meta.tables,
    skippedRows: m.meta.skippedRows ?? [],
  };
}

export function formatTraceInfo(m: TraceModel): string {
  const j = traceInfoJson(m);
  const lines = [
    `file:        ${j.file}`,
    `export:      nsys ${j.exportVersion ?? 'unknown'} (schema ${j.schemaVersion ?? 'unknown'}, ${j.metaTable})`,
    `session:     ${formatDurationNs(j.session.durationNs)} [${j.session.startNs} ns .. ${j.session.endNs} ns]`,
    `events:      ${j.events.firstNs} ns .. ${j.events.lastNs} ns`,
    `kernels:     ${j.counts.kernels}`,
    `memcpy:      ${j.counts.memcpy}`,
    `memset:      ${j.counts.memset}`,
    `CUDA API:    ${j.counts.cudaApi}`,
    `NVTX:        ${j.counts.nvtx}`,
    `OS runtime:  ${j.counts.osrt}`,
    ...(j.counts.graphExecs
      ? [`CUDA graph executions: ${j.counts.graphExecs} (traced per graph: their kernels are not in the kernel count)`]
      : []),
    ...(j.counts.cpuSamples ? [`CPU samples: ${j.counts.cpuSamples}`] : []),
    ...(j.counts.threadRunningIntervals ? [`thread running intervals (context switches): ${j.counts.threadRunningIntervals}`] : []),
    ...(j.counts.gpuMemoryEvents ? [`GPU memory events: ${j.counts.gpuMemoryEvents}`] : []),
    `GPUs:        ${j.gpus.length ? j.gpus.map((g) => `[${g.deviceId}] ${g.name}`).join(', ') : 'none'}`,
    `processes:   ${j.processes.length ? j.processes.map((p) => `${p.name} (pid ${p.pid}, ${p.threads} threads)`).join(', ') : 'none'}`,
    `streams:     ${j.streams.length ? j.streams.map((s) => `${s.track} (${s.events})`).join(', ') : 'none'}`,
    `tables:      ${j.tables.filter((t) => !t.startsWith('ENUM_')).join(', ')}`,
    ...(j.skippedRows.length ? [`skipped:     ${skippedText(j.skippedRows)}`] : []),
  ];
  return lines.join('\n') + '\n';
}

/** "3 rows of CUPTI_ACTIVITY_KIND_KERNEL, 1 of OSRT_API (NULL or text times, or end before start)". */
export function skippedText(skipped: { table: string; rows: number }[]): string {
  return `${skipped.map((s, k) => `${s.rows} ${k === 0 ? (s.rows === 1 ? 'row' : 'rows') + ' ' : ''}of ${s.table}`).join(', ')} (NULL or text times, or end before start)`;
}
