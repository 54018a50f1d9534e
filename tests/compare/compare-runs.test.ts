import { beforeAll, expect } from 'vitest';
import { alignChoices, defaultAlignSpec, parseAlignSpec, resolveAlignment } from '../../src/core/compare/align';
import { compareRuns, type RunComparison } from '../../src/core/compare/compare-runs';
import { openTrace } from '../../src/core/io/open-trace';
import type { TraceModel } from '../../src/core/model/types';
import { requireFile, tracePath } from '../helpers/paths';
import { sharedSqlite } from '../helpers/shared-sqlite';
import { describeShared, itShared } from '../helpers/shared-traces';

// Every expected figure below was read from the files with sqlite3 (queries in the comments).

/*
 * eager vs torch.compile, the same model, batch and 48 forward passes (traces README).
 * Steps end at the HF generate loop's stopping check (the pace kernel detectSteps finds); the first
 * starts at the first GPU work. Median (nearest rank: the 24th of 48) wall and kernels per step:
 *   with pace as (select k.end e, row_number() over (order by k.start) n from CUPTI_ACTIVITY_KIND_KERNEL k
 *                 join StringIds s on s.id=k.demangledName
 *                 where s.value like 'void at::native::reduce_kernel<(int)512, (int)1, at::native::ReduceOp<long, at::native::func_wrapper_t<long, at::native::MaxNanFunctor<long>>%'),
 *        first as (select min(start) s from (select start from CUPTI_ACTIVITY_KIND_KERNEL union all
 *                  select start from CUPTI_ACTIVITY_KIND_MEMCPY union all select start from CUPTI_ACTIVITY_KIND_MEMSET)),
 *        steps as (select n, coalesce(lag(e) over (order by n), (select s from first)) s, e from pace),
 *        w as (select e-s wall, (select count(*) from CUPTI_ACTIVITY_KIND_KERNEL k where k.start>=steps.s and k.start<steps.e) kc from steps)
 *   select count(*), (select wall from w order by wall limit 1 offset 23), (select kc from w order by kc limit 1 offset 23), sum(kc) from w;
 *   eager: 48 | 89249179 | 555 | 26652      compiled: 48 | 7944664 | 279 | 13429
 * The "≈82 ms vs ≈8.7 ms per forward pass" is the NVTX phase:inference range over 48 passes:
 *   select end-start from NVTX_EVENTS  →  eager 3943907965 (82.2 ms/pass), compiled 417584023 (8.70 ms/pass);
 * every kernel of the capture is inside it (26653 and 13430 kernels).
 */
describeShared('diff: llm_eager_pinned_capture vs llm_compiled_capture', () => {
  let c: RunComparison;
  beforeAll(async () => {
    const a = await openTrace(requireFile(tracePath('shared:llm_eager_pinned_capture.sqlite')));
    const b = await openTrace(requireFile(tracePath('shared:llm_compiled_capture.sqlite')));
    c = compareRuns({ model: a.model, file: 'eager' }, { model: b.model, file: 'compiled' });
  }, 60_000);

  itShared('shows the per-step speed-up and half the kernels per step', () => {
    expect(c.a.steps).toMatchObject({ count: 48, wallMedianNs: 89249179, kernelsMedian: 555 });
    expect(c.b.steps).toMatchObject({ count: 48, wallMedianNs: 7944664, kernelsMedian: 279 });
    expect(c.a.kernels).toBe(26652);
    expect(c.b.kernels).toBe(13429);
    expect(c.speedup).toBeCloseTo(89249179 / 7944664, 9);
    expect(c.slowerPct).toBeCloseTo((7944664 / 89249179 - 1) * 100, 9);
    expect(c.phases).toEqual([
      {
        name: 'phase:inference',
        countA: 1,
        countB: 1,
        wallNsA: 3943907965,
        wallNsB: 417584023,
        gpuBusyNsA: c.phases[0].gpuBusyNsA,
        gpuBusyNsB: c.phases[0].gpuBusyNsB,
        kernelsA: 26653,
        kernelsB: 13430,
        firstStartNsA: 16665105,
        firstStartNsB: 15481278,
        firstWallNsA: 3943907965,
        firstWallNsB: 417584023,
      },
    ]);
    expect((c.phases[0].wallNsA / 48 / 1e6).toFixed(1)).toBe('82.2');
    expect((c.phases[0].wallNsB / 48 / 1e6).toFixed(2)).toBe('8.70');
    expect(c.steps).toHaveLength(48);
    expect(c.steps[0]).toMatchObject({ kindA: 'prefill', kindB: 'prefill', kernelsA: 567, kernelsB: 318 });
  });

  /*
   * Kernels by category, from the per-name rows (sum of the categories = the window's kernels):
   *   gemm 4692 → 4692 calls; elementwise 14078 → 5537; copy 5766 → 1130; reduce 1492 → 246.
   * Per name (select count(*), sum(end-start) ... group by demangledName):
   *   cudnn_generated_fort_native_sdpa_sm80_flash_fprop_wmma_f16_knob_3_…: 564 calls, 2466836 ns (4374 ns/call)
   *   → 564 calls, 5127577 ns (9091 ns/call).
   */
  itShared(
    'replaces PyTorch elementwise kernels by fused Triton ones, keeps the GEMMs, and slows the cuDNN attention kernel per call',
    () => {
      const cat = (name: string) => c.categories.find((x) => x.category === name);
      expect(cat('gemm')).toMatchObject({ countA: 4692, countB: 4692 });
      expect(cat('elementwise')).toMatchObject({ countA: 14078, countB: 5537 });
      expect(c.categories.reduce((s, x) => s + x.countA, 0)).toBe(26652);

      const triton = c.kernels.filter((k) => k.name.startsWith('triton_'));
      expect(triton.length).toBe(29);
      expect(triton.every((k) => k.status === 'new' && k.countA === 0)).toBe(true);
      const removedNative = c.kernels.filter((k) => k.status === 'removed' && k.name.includes('at::native::'));
      expect(removedNative.length).toBe(22);
      // The largest change per step is an eager elementwise kernel that compile fused away.
      expect(c.kernels[0]).toMatchObject({ status: 'removed', category: 'elementwise', countB: 0 });

      // cuBLAS GEMMs (nvjet_*): the same calls on both sides, within 5% per call.
      const nvjet = c.kernels.filter((k) => k.name.startsWith('nvjet_'));
      expect(nvjet.length).toBe(7);
      for (const k of nvjet) {
        expect(k.status, k.name).toBe('both');
        expect(k.countA, k.name).toBe(k.countB);
        expect(Math.abs((k.meanNsB ?? 0) / (k.meanNsA ?? 1) - 1), k.name).toBeLessThan(0.05);
      }

      const sdpa = c.kernels.find((k) => k.name.startsWith('cudnn_generated_fort_native_sdpa_sm80_flash_fprop_wmma_f16_knob_3'));
      expect(sdpa).toMatchObject({ category: 'attention', status: 'both', countA: 564, countB: 564, totalNsA: 2466836, totalNsB: 5127577 });
      expect(Math.round(sdpa?.meanNsA ?? 0)).toBe(4374);
      expect(Math.round(sdpa?.meanNsB ?? 0)).toBe(9091);
      expect(sdpa?.perStepCountA).toBe(564 / 48);
    },
  );

  /*
   * Alignment points, from sqlite3:
   *   step 1 starts where the pace kernel's first run ends (query in tests/e2e/compare.test.ts): eager 53689277, compiled 28689371;
   *   select n.start, n.end-n.start from NVTX_EVENTS n where n.text like 'phase:%'  →  eager 16665105 | 3943907965, compiled 15481278 | 417584023.
   */
  itShared('aligns at the first decode step by default, or at a phase or step chosen by name', () => {
    expect(defaultAlignSpec(c)).toEqual({ by: 'step', index: 1 });
    expect(resolveAlignment(c, { by: 'step', index: 1 })).toMatchObject({
      label: 'step 1 (decode / decode)',
      startNsA: 53689277,
      startNsB: 28689371,
      offsetNs: 28689371 - 53689277,
    });
    const phase = resolveAlignment(c, parseAlignSpec('phase:inference'));
    expect(phase).toEqual({
      spec: { by: 'phase', name: 'phase:inference' },
      label: 'phase:inference',
      startNsA: 16665105,
      startNsB: 15481278,
      offsetNs: 15481278 - 16665105,
      spanNs: 3943907965,
    });
    expect(resolveAlignment(c, parseAlignSpec('phase:phase:inference'))).toEqual(phase);
    const choices = alignChoices(c);
    expect(choices).toHaveLength(48 + 1);
    expect(choices.at(-1)).toEqual({ by: 'phase', name: 'phase:inference' });
    expect(() => resolveAlignment(c, parseAlignSpec('phase:decode'))).toThrow(
      /^No phase "decode" on both sides; phases on both: phase:inference\.$/,
    );
    expect(() => resolveAlignment(c, parseAlignSpec('step:48'))).toThrow(/^No step 48 on both sides: steps 0 to 47 are\.$/);
    expect(() => parseAlignSpec('decode')).toThrow(/^Alignment "decode" is neither step:N nor phase:NAME/);
  });
});

/*
 * Two ranks of one trace. decode_step N ranges per pid (32 each), and NCCL all-reduce kernels that
 * start inside them:
 *   with st as (select n.start s, n.end e, (n.globalTid>>24)&16777215 pid from NVTX_EVENTS n
 *               left join StringIds x on x.id=n.textId where coalesce(n.text,x.value) like 'decode_step %')
 *   select k.pid, count(*), sum(k.end-k.start) from (select *, (globalPid>>24)&16777215 pid from CUPTI_ACTIVITY_KIND_KERNEL) k
 *     join StringIds s on s.id=k.demangledName join st on st.pid=k.pid and k.start>=st.s and k.start<st.e
 *    where s.value like 'ncclDevKernel_AllReduce%' group by k.pid;
 *   82 | 1024 | 6093185        83 | 1033 | 1259828806
 * Rank 83 spends its decode steps waiting inside the all-reduce for rank 82.
 */
describeShared('diff: tp2_decode rank vs rank', () => {
  let model: TraceModel;
  beforeAll(async () => {
    ({ model } = await openTrace(sharedSqlite('tp2_decode.sqlite')));
  }, 60_000);

  itShared('compares pid 82 with pid 83 step by step', () => {
    const c = compareRuns({ model, file: 'tp2', pid: 82 }, { model, file: 'tp2', pid: 83 });
    expect(c.a).toMatchObject({ pid: 82, note: null, window: 'steps', steps: { count: 32, source: 'nvtx', kernelsMedian: 262 } });
    expect(c.b).toMatchObject({ pid: 83, note: null, window: 'steps', steps: { count: 32, source: 'nvtx', kernelsMedian: 262 } });
    const ar = c.kernels.find((k) => k.name.startsWith('ncclDevKernel_AllReduce'));
    expect(ar).toMatchObject({ category: 'nccl', countA: 1024, countB: 1033, totalNsA: 6093185, totalNsB: 1259828806 });
    expect(c.kernels[0]).toBe(ar);
    expect(c.phases.map((p) => p.name)).toEqual(['phase:model_load', 'phase:warmup', 'phase:prefill', 'phase:decode']);
    /*
     * select (globalTid>>24)&16777215, start from NVTX_EVENTS n left join StringIds s on s.id=n.textId
     *  where coalesce(n.text,s.value) in ('phase:decode', 'decode_step 0')
     *   → 82: decode_step 0 15880534991, phase:decode 15880528563; 83: 15873818550, 15873814269.
     */
    expect(resolveAlignment(c, defaultAlignSpec(c)!)).toMatchObject({
      spec: { by: 'step', index: 0 },
      startNsA: 15880534991,
      startNsB: 15873818550,
    });
    expect(resolveAlignment(c, parseAlignSpec('phase:decode'))).toMatchObject({
      startNsA: 15880528563,
      startNsB: 15873814269,
      offsetNs: 15873814269 - 15880528563,
    });
  });

  itShared('picks the lowest rank and says so when no pid is given, and refuses a pid without GPU work', () => {
    const c = compareRuns({ model, file: 'tp2' }, { model, file: 'tp2', pid: 83 });
    expect(c.a.pid).toBe(82);
    expect(c.a.note).toBe('tp2 has steps in processes 82, 83; comparing pid 82 (pick another with tp2#PID).');
    expect(() => compareRuns({ model, file: 'tp2', pid: 1 }, { model, file: 'tp2' })).toThrow(
      /^tp2 has no GPU work in process 1; its processes with GPU work are 82, 83\.$/,
    );
  });
});
