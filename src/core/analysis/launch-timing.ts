import type { CorrelationIndex, GpuRef } from '../model/correlation';
import type { Track, TraceModel } from '../model/types';
import { laneTable, lowerBoundStart } from '../query/lanes';

/**
 * How long GPU work waited after its launch call, split in two:
 * - launch latency: GPU start − start of the CUDA API call that launched it (the same figure the
 *   steps report averages);
 * - queued: the part of that latency during which its stream was still running earlier work
 *   (kernels, copies, memsets or graph executions of the same device, process and stream), i.e.
 *   min(end of the stream's previous op, GPU start) − API start, at least 0. The rest of the
 *   latency is launch overhead: the stream was free and the op had not started yet.
 */
export interface LaunchTiming {
  apiIndex: number;
  latencyNs: number;
  queuedNs: number;
}

const GPU_LANES: readonly GpuRef['lane'][] = ['kernel', 'graph', 'memcpy', 'memset'];
const tracksById = new WeakMap<TraceModel, Map<string, Track>>();

function trackById(model: TraceModel, id: string): Track | undefined {
  let m = tracksById.get(model);
  if (!m) tracksById.set(model, (m = new Map(model.tracks.map((t) => [t.id, t]))));
  return m.get(id);
}

/** null when the op has no launching API call in the trace. `trackId` is the op's own track (`gpu/<dev>/<pid>/<stream>/<lane>`). */
export function launchTiming(
  model: TraceModel,
  corr: CorrelationIndex,
  lane: GpuRef['lane'],
  index: number,
  trackId: string,
): LaunchTiming | null {
  const apiIndex = corr.apiOf(lane, index);
  if (apiIndex < 0) return null;
  const gpuStart = laneTable(model, lane).startNs[index];
  const apiStart = model.api.startNs[apiIndex];
  const latencyNs = gpuStart - apiStart;
  const stream = trackId.slice(0, trackId.lastIndexOf('/'));
  let prevEnd = -Infinity;
  for (const l of GPU_LANES) {
    const track = trackById(model, `${stream}/${l}`);
    if (!track) continue;
    const { startNs, endNs } = laneTable(model, l);
    // Ops of one stream run one after another, so the last one starting before this op ends last.
    const p = lowerBoundStart(track, startNs, gpuStart);
    if (p > 0) prevEnd = Math.max(prevEnd, endNs[track.indices[p - 1]]);
  }
  const queuedNs = Math.max(0, Math.min(prevEnd, gpuStart) - apiStart);
  return { apiIndex, latencyNs, queuedNs: Math.min(queuedNs, Math.max(0, latencyNs)) };
}
