import { beforeAll, expect } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import type { Track, TraceModel } from '../src/core/model/types';
import { lodSlices } from '../src/core/query/lod';
import { tracePath } from './helpers/paths';
import { describeShared, itShared } from './helpers/shared-traces';

/**
 * A merged slice is named by the kernel that takes the most time in it ("mostly X"), not by its
 * longest kernel. Figures: sqlite3 on llm_eager_pinned_capture.sqlite (nsys 2025.3.1, one stream, 26,653 kernels):
 *
 *   SELECT s.value, count(*), sum(min(end,T1) - max(start,T0)) FROM CUPTI_ACTIVITY_KIND_KERNEL k
 *   JOIN StringIds s ON s.id = k.shortName WHERE end >= T0 AND start <= T1 GROUP BY 1 ORDER BY 3 DESC LIMIT 2;
 *
 *   whole trace:                elementwise_kernel | 6363 | 14157816   (vectorized_elementwise_kernel 11384885 next)
 *   T0 = 2000000000, T1 = 2050000000: elementwise_kernel | 81 | 177732 (vectorized_elementwise_kernel 147201), 341 kernels
 *   longest kernel of the trace: nvjet_sm90_tst_256x8_64x6_2x1_v_bz_TNT (30593 ns)
 */
describeShared('merged slices carry the name with the most time', () => {
  let model: TraceModel;
  let track: Track;
  beforeAll(async () => {
    model = (await openTrace(tracePath('shared:llm_eager_pinned_capture.sqlite'))).model;
    track = model.tracks.find((t) => t.lane === 'kernel')!;
  }, 60_000);

  itShared('names the whole trace at one pixel after its largest total, not its longest kernel', () => {
    const lod = lodSlices(model, track, model.meta.sessionStartNs, model.meta.sessionEndNs, 1);
    expect(lod.count).toBe(1);
    expect(lod.eventCount[0]).toBe(26653);
    expect(model.strings[lod.mostlyNameId[0]]).toBe('elementwise_kernel');
    expect(lod.mostlyNs[0]).toBe(14157816);
    expect(model.strings[lod.nameId[0]]).toBe('nvjet_sm90_tst_256x8_64x6_2x1_v_bz_TNT');
  });

  itShared('clips the tally to the window', () => {
    const lod = lodSlices(model, track, 2_000_000_000, 2_050_000_000, 1);
    expect([lod.count, lod.eventCount[0]]).toEqual([1, 341]);
    expect(model.strings[lod.mostlyNameId[0]]).toBe('elementwise_kernel');
    expect(lod.mostlyNs[0]).toBe(177732);
  });

  itShared('tallies every slice at a real zoom: the dominant share never exceeds the slice busy time', () => {
    const lod = lodSlices(model, track, model.meta.sessionStartNs, model.meta.sessionEndNs, 800);
    let merged = 0;
    for (let k = 0; k < lod.count; k++) {
      expect(lod.mostlyNameId[k]).toBeGreaterThanOrEqual(0);
      const spanNs = lod.endNs[k] - lod.startNs[k];
      expect(lod.mostlyNs[k]).toBeLessThanOrEqual(lod.busy[k] * spanNs + 1e-3);
      if (lod.eventCount[k] > 1) merged++;
    }
    expect(merged).toBeGreaterThan(0);
  });
});

/**
 * NVTX depths interleave in start order, so their tally regroups events per slice first. sqlite3 on
 * llm_eager_pageable.sqlite (nsys 2025.3.1):
 *   SELECT coalesce(text, s.value), count(*), sum(end - start) FROM NVTX_EVENTS n LEFT JOIN StringIds s
 *   ON s.id = n.textId WHERE end IS NOT NULL GROUP BY 1 ORDER BY 3 DESC
 *     phase:model_init_cpu 1 3522234336; phase:inference 1 3293135082; phase:warmup 1 2552078198;
 *     phase:model_load 1 733343560; cublasCreate_v2 1 4545904
 */
describeShared('NVTX merged slices (nested depths)', () => {
  itShared('name the top-level slice after the range with the most time', async () => {
    const model = (await openTrace(tracePath('shared:llm_eager_pageable.sqlite'))).model;
    const track = model.tracks.find((t) => t.lane === 'nvtx' && t.depthCount > 1)!;
    const lod = lodSlices(model, track, model.meta.sessionStartNs, model.meta.sessionEndNs, 1);
    const top = [...Array(lod.count).keys()].filter((k) => lod.depth[k] === 0);
    expect(top.length).toBe(1);
    expect(model.strings[lod.mostlyNameId[top[0]]]).toBe('phase:model_init_cpu');
    expect(lod.mostlyNs[top[0]]).toBe(3522234336);
    expect(lod.eventCount[top[0]]).toBe(4);
  });
});
