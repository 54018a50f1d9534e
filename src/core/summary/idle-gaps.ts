import { forEachGpuBusySpan } from '../query/gpu-busy';
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
 * used yet, which says nothing about the workload. The busy spans are visited, not kept
 * (query/gpu-busy.ts forEachGpuBusySpan), and only the longest gaps are held.
 */
export function gpuIdleGaps(model: TraceModel, thresholdNs: number): DeviceIdle[] {
  const out: DeviceIdle[] = [];
  let d: DeviceIdle | null = null;
  forEachGpuBusySpan(model, (dev, startNs, endNs) => {
    if (!d || d.device_id !== dev) {
      d = { device_id: dev, first_ns: startNs, last_ns: endNs, busy_ns: 0, gap_count: 0, gap_total_ns: 0, largest: [] };
      out.push(d);
    } else {
      const gap = startNs - d.last_ns;
      if (gap >= thresholdNs) {
        d.gap_count++;
        d.gap_total_ns += gap;
        keepLongest(d.largest, { start_ns: d.last_ns, end_ns: startNs, duration_ns: gap });
      }
    }
    d.busy_ns += endNs - startNs;
    d.last_ns = endNs;
  });
  return out;
}

/** The longest gaps, longest first, then earliest (a total order: gaps start at distinct times). */
const LARGEST = 20;
const before = (a: IdleGap, b: IdleGap) => b.duration_ns - a.duration_ns || a.start_ns - b.start_ns;

function keepLongest(list: IdleGap[], g: IdleGap): void {
  if (list.length === LARGEST && before(g, list[LARGEST - 1]) >= 0) return;
  let k = list.length;
  while (k > 0 && before(g, list[k - 1]) < 0) k--;
  list.splice(k, 0, g);
  if (list.length > LARGEST) list.pop();
}
