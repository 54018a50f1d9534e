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
  /** Time with at least one kernel, copy or memset running (union over streams). */
  busy_ns: number;
  gap_count: number;
  gap_total_ns: number;
  /** The longest gaps, longest first (at most 20). */
  largest: IdleGap[];
}

/**
 * Idle gaps per GPU: stretches between GPU ops (kernels, memcpy, memset of every stream and
 * process on the device, merged) at least `thresholdNs` long. Only gaps between the first and last
 * op count: before the first op the GPU has not been used yet, which says nothing about the workload.
 */
export function gpuIdleGaps(model: TraceModel, thresholdNs: number): DeviceIdle[] {
  const perDevice = new Map<number, { s: number[]; e: number[] }>();
  for (const t of [model.kernels, model.memcpy, model.memset]) {
    for (let i = 0; i < t.count; i++) {
      let d = perDevice.get(t.deviceId[i]);
      if (!d) perDevice.set(t.deviceId[i], (d = { s: [], e: [] }));
      d.s.push(t.startNs[i]);
      d.e.push(t.endNs[i]);
    }
  }
  const out: DeviceIdle[] = [];
  for (const [dev, { s, e }] of [...perDevice].sort((a, b) => a[0] - b[0])) {
    const order = new Uint32Array(s.length);
    for (let k = 0; k < order.length; k++) order[k] = k;
    order.sort((a, b) => s[a] - s[b]);
    let curStart = s[order[0]];
    let curEnd = e[order[0]];
    let busy = 0;
    const gaps: IdleGap[] = [];
    let gapTotal = 0;
    for (let p = 1; p < order.length; p++) {
      const k = order[p];
      if (s[k] > curEnd) {
        busy += curEnd - curStart;
        const gap = s[k] - curEnd;
        if (gap >= thresholdNs) {
          gaps.push({ start_ns: curEnd, end_ns: s[k], duration_ns: gap });
          gapTotal += gap;
        }
        curStart = s[k];
        curEnd = e[k];
      } else if (e[k] > curEnd) curEnd = e[k];
    }
    busy += curEnd - curStart;
    const first = s[order[0]];
    gaps.sort((a, b) => b.duration_ns - a.duration_ns || a.start_ns - b.start_ns);
    out.push({ device_id: dev, first_ns: first, last_ns: curEnd, busy_ns: busy, gap_count: gaps.length, gap_total_ns: gapTotal, largest: gaps.slice(0, 20) });
  }
  return out;
}
