import { describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { nvtxGpuTable, projectNvtxToGpu } from '../../src/core/steps/nvtx-projection';
import { requireFile, tracePath } from '../helpers/paths';

describe('NVTX → GPU projection', () => {
  it('brings graph executions (graph-level trace) with the cudaGraphLaunch that replayed them', async () => {
    // with n as (NVTX 'graph replay'), r as (runtime calls on n's thread starting inside n)
    //   select kind, count(*), sum(end-start) from (GRAPH_TRACE ∪ KERNEL ∪ MEMCPY) g join r on g.correlationId = r.correlationId
    //   → graph|50|3253138, memcpy|50|47264 (and no kernel: graph level keeps them out of the kernel table)
    const { model } = await openTrace(requireFile(tracePath('shared:graphs_default.sqlite')));
    const rows = nvtxGpuTable(model, projectNvtxToGpu(model));
    const replay = rows.find((r) => r.name === 'graph replay');
    expect(replay).toMatchObject({ ranges: 50, gpuOps: 100, gpuBusyNs: 3253138 + 47264 });
  });

  it('spans the GPU work a range launched', async () => {
    // the same query for streams' "step 1" → 30 ops, min(start) 8459590278, max(end) 8534206177
    const { model } = await openTrace(requireFile(tracePath('shared:streams.sqlite')));
    const p = projectNvtxToGpu(model).find((x) => x.name === 'step 1');
    expect(p).toMatchObject({ gpuOps: 30, gpuStartNs: 8459590278, gpuEndNs: 8534206177 });
  });
});
