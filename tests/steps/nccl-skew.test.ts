import { describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { ncclSkew } from '../../src/core/steps/nccl-skew';
import { requireFile, tracePath } from '../helpers/paths';
import { sharedSqlite } from '../helpers/shared-sqlite';

describe('NCCL collectives across ranks', () => {
  it("matches tp2_decode's 1123 collectives per rank and finds the late rank", async () => {
    const { model } = await openTrace(sharedSqlite('tp2_decode.sqlite'));
    const r = ncclSkew(model);
    // with n as (select pid, start, end, row_number() over (partition by pid order by start) r
    //              from kernels where shortName like 'ncclDevKernel%')
    //   → 1123 per rank (1088 AllReduce bf16 + 1 f32 + 34 AllGather); rank 82 starts later in 1121, 83 in 2;
    //   max |start82 - start83| = 195765872 (r = 68: 16639867094 vs 16444101222, both end at ~16640053.6 µs)
    expect(r).not.toBeNull();
    expect(r?.pids).toEqual([82, 83]);
    expect(r?.sequencesMatch).toBe(true);
    expect(r?.collectives).toHaveLength(1123);
    expect(r?.lateCounts.map((l) => [l.pid, l.late])).toEqual([
      [82, 1121],
      [83, 2],
    ]);
    expect(r?.skewMaxNs).toBe(195765872);
    const c = r?.collectives[67];
    expect(c?.ranks.map((x) => [x.startNs, x.endNs])).toEqual([
      [16639867094, 16640053717],
      [16444101222, 16640053539],
    ]);
    expect(c).toMatchObject({ skewNs: 195765872, latePid: 82 });
    expect(c?.lateReason).toMatch(/its host called cuLaunchKernelEx 195765\.3 µs after pid 83's/);
  }, 120_000);

  it('is null with fewer than two ranks', async () => {
    const { model } = await openTrace(requireFile(tracePath('shared:llm_compiled_capture.sqlite')));
    expect(ncclSkew(model)).toBeNull();
  });
});
