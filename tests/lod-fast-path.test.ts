import { beforeAll, expect } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import type { Track, TraceModel } from '../src/core/model/types';
import { lodSlices } from '../src/core/query/lod';
import { modelDiff } from './helpers/model-diff';
import { tracePath } from './helpers/paths';
import { describeShared, itShared } from './helpers/shared-traces';

/**
 * lodSlices has a loop of its own for one-depth tracks named from a column or not at all (issue 15:
 * the fit-all view of 3M kernels). Handing it the same depth and names as callbacks takes the
 * general loop; both must give the very same slices — bounds, counts, busy, representative,
 * "mostly" name and its ns — on real traces, at fit-all and zoomed windows (fractional bounds
 * included, where the tally clips), from one pixel to a wide screen.
 */
function nameColumnOf(model: TraceModel, lane: Track['lane']): Int32Array | null {
  if (lane === 'kernel') return model.kernels.shortNameId;
  if (lane === 'cuda-api') return model.api.nameId;
  if (lane === 'osrt') return model.osrt.nameId;
  if (lane === 'sample') return model.samples.nameId;
  return null;
}

describeShared('the one-depth lodSlices loop gives what the general loop gives', () => {
  const models: TraceModel[] = [];
  beforeAll(async () => {
    for (const name of ['llm_eager_pinned_capture.sqlite', 'multiproc.sqlite', 'cuda_graphs.sqlite'])
      models.push((await openTrace(tracePath(`shared:${name}`), { modelCache: false })).model);
  }, 120_000);

  itShared('on every one-depth track, at fit-all and zoomed windows', () => {
    let compared = 0;
    let merged = 0;
    for (const model of models) {
      const { sessionStartNs: s0, sessionEndNs: s1 } = model.meta;
      const span = s1 - s0;
      const windows: [number, number][] = [
        [s0, s1],
        [s0 + span * 0.25, s0 + span * 0.5],
        [s0 + span * 0.4 + 0.37, s0 + span * 0.41 - 0.21],
        [s0 + span * 0.9, s1 + span * 0.05],
      ];
      for (const track of model.tracks) {
        if (track.depthCount > 1 || track.lane === 'nvtx' || track.lane === 'nvtx-gpu') continue;
        const col = nameColumnOf(model, track.lane);
        // A window whose bounds cut events in two, so the tally clips at both ends.
        const { startNs, endNs } =
          track.lane === 'kernel' ? model.kernels : track.lane === 'cuda-api' ? model.api : { startNs: null, endNs: null };
        const cut: [number, number][] = [];
        const n = track.indices.length;
        if (startNs && endNs && n >= 3) {
          const mid = (p: number) => (startNs[track.indices[p]] + endNs[track.indices[p]]) / 2;
          cut.push([mid(Math.floor(n / 3)), mid(Math.floor((2 * n) / 3))]);
        }
        for (const [t0, t1] of [...windows, ...cut]) {
          for (const widthPx of [1, 13, 800, 3600]) {
            const fast = lodSlices(model, track, t0, t1, widthPx);
            const general = lodSlices(
              model,
              track,
              t0,
              t1,
              widthPx,
              () => 0,
              (i) => (col ? col[i] : -1),
            );
            expect(modelDiff(fast, general), `${model.meta.sourceName} ${track.id} [${t0}, ${t1}] ${widthPx}px`).toEqual([]);
            compared++;
            for (let k = 0; k < fast.count; k++) if (fast.eventCount[k] > 1) merged++;
          }
        }
      }
    }
    // Kernel, CUDA API and copy rows of three traces, with slices that merged many events.
    expect(compared).toBeGreaterThan(100);
    expect(merged).toBeGreaterThan(100);
  });
});
