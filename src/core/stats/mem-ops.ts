import type { TraceModel } from '../model/types';
import { rowFilter } from './filter';
import type { StatsFilter } from './types';

/**
 * The memory operations both cuda_gpu_mem_*_sum reports read: each memcpy named
 * "[CUDA memcpy <label>]" with the label from the file's own ENUM_CUDA_MEMCPY_OPER (2025.3:
 * "Host-to-Device"; 2022.4's scripts hard-coded "HtoD"), each memset "[CUDA memset]". nsys joins
 * memcpy to the enum with an INNER JOIN, so a copyKind missing from the enum drops the row.
 */
export function forEachMemOp(
  model: TraceModel,
  filter: StatsFilter | undefined,
  visit: (name: string, durationNs: number, bytes: number) => void,
): void {
  const f = rowFilter(filter);
  const c = model.memcpy;
  const labels = model.enums.memcpyOper.labels;
  const names = new Map<number, string>();
  for (const [id, label] of labels) names.set(id, `[CUDA memcpy ${label}]`);
  for (let i = 0; i < c.count; i++) {
    if (f.active && !f.keep(c.startNs[i], c.endNs[i], c.pid[i])) continue;
    const name = names.get(c.copyKind[i]);
    if (name === undefined) continue;
    visit(name, c.endNs[i] - c.startNs[i], c.bytes[i]);
  }
  const s = model.memset;
  for (let i = 0; i < s.count; i++) {
    if (f.active && !f.keep(s.startNs[i], s.endNs[i], s.pid[i])) continue;
    visit('[CUDA memset]', s.endNs[i] - s.startNs[i], s.bytes[i]);
  }
}
