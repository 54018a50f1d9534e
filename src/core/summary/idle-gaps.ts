import { gpuBusyByDevice } from '../model/gpu-work';
import type { TraceModel } from '../model/types';

export interface IdleGap {
  start_ns: number;
  end_ns: number;
  duration_ns: number;
}

export interface DeviceIdle {
  device_id: number;
  /** First GPU op start and last GPU op end on the device. */
  first_ns: number;
  last_ns: number;
  /** Time with at least one kernel, copy, memset or graph execution running (union over streams). */
  busy_ns: number;
  gap_count: number;
  gap_total_ns: number;
  /** The longest gaps, longest first (at most 20). */
  largest: IdleGap[];
}

/**
 * Idle gaps per GPU: stretches between GPU work (kernels, memcpy, memset and CUDA graph executions
 * of every stream and process on the device, merged; see model/gpu-work.ts) at least `thresholdNs`
 * long. Only gaps between the first and last op count: before the first op the GPU has not been
 * used yet, which says nothing about the workload.
 */
export function gpuIdleGaps(model: TraceModel, thresholdNs: number): DeviceIdle[] {
  const out: DeviceIdle[] = [];
  for (const [dev, spans] of gpuBusyByDevice(model)) {
    const gaps: IdleGap[] = [];
    let gapTotal = 0;
    for (let k = 1; k < spans.startNs.length; k++) {
      const gap = spans.startNs[k] - spans.endNs[k - 1];
      if (gap >= thresholdNs) {
        gaps.push({ start_ns: spans.endNs[k - 1], end_ns: spans.startNs[k], duration_ns: gap });
        gapTotal += gap;
      }
    }
    gaps.sort((a, b) => b.duration_ns - a.duration_ns || a.start_ns - b.start_ns);
    const last = spans.endNs.length - 1;
    out.push({
      device_id: dev,
      first_ns: spans.startNs[0],
      last_ns: spans.endNs[last],
      busy_ns: spans.busyNs,
      gap_count: gaps.length,
      gap_total_ns: gapTotal,
      largest: gaps.slice(0, 20),
    });
  }
  return out;
}
