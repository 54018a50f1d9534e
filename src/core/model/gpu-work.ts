import type { TraceModel } from './types';

/**
 * Every piece of work a GPU ran: kernels, copies, memsets and CUDA graph executions. Graph
 * executions matter because nsys's default graph trace mode (graph level, 2025.3) records each
 * replay as one CUPTI_ACTIVITY_KIND_GRAPH_TRACE row and leaves its kernels out of the kernel table:
 * an analysis that reads only kernels/memcpy/memset sees the GPU idle through every replay. Busy,
 * idle and gap figures should all come from here so they agree.
 */
export type GpuWorkKind = 'kernel' | 'memcpy' | 'memset' | 'graph';

export const GPU_WORK_KINDS: readonly GpuWorkKind[] = ['kernel', 'memcpy', 'memset', 'graph'];

/** The columns the four GPU tables share. */
export interface GpuWorkColumns {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  deviceId: Int32Array;
  streamId: Int32Array;
  pid: Int32Array;
}

export function gpuWorkTable(model: TraceModel, kind: GpuWorkKind): GpuWorkColumns {
  switch (kind) {
    case 'kernel':
      return model.kernels;
    case 'memcpy':
      return model.memcpy;
    case 'memset':
      return model.memset;
    case 'graph':
      return model.graphExecs;
  }
}

/** Busy spans: the union of intervals (merged where they overlap or touch), sorted. */
export interface BusySpans {
  startNs: Float64Array;
  endNs: Float64Array;
  /** Sum of the spans' lengths. */
  busyNs: number;
}
