import type { Db } from '../db/db';
import type { GpuMemoryTable } from '../model/types';
import { readTable } from './select';

/**
 * GPU memory in use over time, per device, from CUDA_GPU_MEMORY_USAGE_EVENTS (recorded with
 * `nsys profile --cuda-memory-usage=true`; 2025.3): each allocation adds its bytes, each
 * deallocation subtracts them. Host memory (pageable, pinned) is left out: the counter is what
 * lives on the GPU. Kinds and operations are matched by their names in the file's own
 * ENUM_CUDA_MEM_KIND / ENUM_CUDA_DEV_MEM_EVENT_OPER tables. Row k holds the level from its event
 * to the device's next event (the last one to `endNs`). A PyTorch process that never returns
 * memory to CUDA (the caching allocator) only ever climbs.
 */
export function readGpuMemory(db: Db, endNs: number, shouldCancel?: () => boolean): GpuMemoryTable {
  const hostKinds = enumIds(db, 'ENUM_CUDA_MEM_KIND', ['CUDA_MEMOPR_MEMORY_KIND_PAGEABLE', 'CUDA_MEMOPR_MEMORY_KIND_PINNED']);
  const frees = enumIds(db, 'ENUM_CUDA_DEV_MEM_EVENT_OPER', ['CUDA_DEV_MEM_EVENT_OPR_DEALLOCATION']);
  const { count, cols } = readTable(
    db,
    'CUDA_GPU_MEMORY_USAGE_EVENTS',
    {
      start: 'f64',
      deviceId: 'i32',
      bytes: 'f64',
      memKind: 'i32',
      memoryOperationType: 'i32',
    },
    { shouldCancel },
  );
  const keep: number[] = [];
  for (let i = 0; i < count; i++) if (!hostKinds.includes(cols.memKind[i])) keep.push(i);
  keep.sort((a, b) => cols.deviceId[a] - cols.deviceId[b] || cols.start[a] - cols.start[b] || a - b);
  const n = keep.length;
  const out: GpuMemoryTable = {
    count: n,
    startNs: new Float64Array(n),
    endNs: new Float64Array(n),
    deviceId: new Int32Array(n),
    deltaBytes: new Float64Array(n),
    bytesInUse: new Float64Array(n),
  };
  let level = 0;
  for (let k = 0; k < n; k++) {
    const i = keep[k];
    if (k === 0 || cols.deviceId[i] !== out.deviceId[k - 1]) level = 0;
    const delta = frees.includes(cols.memoryOperationType[i]) ? -cols.bytes[i] : cols.bytes[i];
    level += delta;
    out.startNs[k] = cols.start[i];
    out.deviceId[k] = cols.deviceId[i];
    out.deltaBytes[k] = delta;
    out.bytesInUse[k] = level;
  }
  for (let k = 0; k < n; k++) {
    const next = k + 1 < n && out.deviceId[k + 1] === out.deviceId[k] ? out.startNs[k + 1] : Math.max(endNs, out.startNs[k]);
    out.endNs[k] = next;
  }
  return out;
}

function enumIds(db: Db, table: string, names: string[]): number[] {
  return db
    .tableRows(table, ['id', 'name'])
    .filter((r) => names.includes(String(r[1])))
    .map((r) => Number(r[0]));
}
