import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import type { TraceModel } from '../../src/core/model/types';
import { detectSteps, type StepDetection } from '../../src/core/steps/detect-steps';
import { gpuWorkByPid, laneOf } from '../../src/core/steps/gpu-work';
import { IntervalSet } from '../../src/core/steps/interval-set';
import { requireFile, tracePath } from '../helpers/paths';
import { sharedCorpus, sharedSqlite } from '../helpers/shared-sqlite';

// Every expected figure below was read from the files with sqlite3 (queries in the comments).

describe('IntervalSet', () => {
  it('merges overlaps and measures clipped coverage and gaps', () => {
    const s = new IntervalSet([10, 0, 30, 12], [20, 5, 40, 25]);
    expect([...s.startNs]).toEqual([0, 10, 30]);
    expect([...s.endNs]).toEqual([5, 25, 40]);
    expect(s.totalNs).toBe(30);
    expect(s.coveredNs(3, 35)).toBe(2 + 15 + 5);
    expect(s.coveredNs(11, 12)).toBe(1);
    expect(s.coveredNs(25, 30)).toBe(0);
    expect(s.gapsIn(3, 35)).toEqual([
      { startNs: 5, endNs: 10 },
      { startNs: 25, endNs: 30 },
    ]);
  });
});

/*
 * The pace kernel of the HF generate loop: its stopping check, reduce_kernel<…MaxNanFunctor<long>…>,
 * runs once per forward pass (48 passes = 1 prefill + 47 decode, as the LM-head GEMM's 48 runs say):
 *   with am as (select k.start s, k.end e, row_number() over (order by k.start) r
 *                 from CUPTI_ACTIVITY_KIND_KERNEL k join StringIds d on d.id=k.demangledName
 *                where d.value like '%reduce_kernel%MaxNanFunctor<long>%'),
 *        first as (select min(start) s from (kernels ∪ memcpy ∪ memset)),
 *        b as (select r, e, lag(e, 1, (select s from first)) over (order by r) p from am)
 *   select count(*), min(e-p), max(e-p), kernels with start in [p, e) for r = 1, 2, 48 ...
 */
const paceCases = [
  {
    file: 'llm_eager_pinned_capture.sqlite',
    firstStartNs: 16877475,
    lastEndNs: 3960162372,
    minWallNs: 23974919,
    maxWallNs: 92636189,
    kernels: [567, 555, 555],
    step1: { startNs: 53689277, wallNs: 27112929 },
  },
  {
    file: 'llm_compiled_capture.sqlite',
    firstStartNs: 15664579,
    lastEndNs: 432718334,
    minWallNs: 7107655,
    maxWallNs: 13024792,
    kernels: [318, 279, 277],
    step1: { startNs: 28689371, wallNs: 8252350 },
  },
];

describe.each(paceCases)('steps without step NVTX: $file', (c) => {
  let det: StepDetection;
  beforeAll(async () => {
    const { model } = await openTrace(requireFile(tracePath(`shared:${c.file}`)));
    det = detectSteps(model);
  }, 60_000);

  it('finds 48 forward passes paced by one kernel: 1 prefill + 47 decode', () => {
    expect(det.source).toBe('kernel');
    expect(det.paceKernels).toHaveLength(1);
    expect(det.paceKernels[0]).toContain(
      'reduce_kernel<(int)512, (int)1, at::native::ReduceOp<long, at::native::func_wrapper_t<long, at::native::MaxNanFunctor<long>>',
    );
    expect(det.steps).toHaveLength(48);
    expect(det.steps.filter((s) => s.kind === 'prefill').map((s) => s.index)).toEqual([0]);
    expect(det.steps.filter((s) => s.kind === 'decode')).toHaveLength(47);
  });

  it('has the boundaries and kernel counts sqlite3 gives', () => {
    const st = det.steps;
    expect(st[0].startNs).toBe(c.firstStartNs);
    expect(st[47].endNs).toBe(c.lastEndNs);
    expect(Math.min(...st.map((s) => s.wallNs))).toBe(c.minWallNs);
    expect(Math.max(...st.map((s) => s.wallNs))).toBe(c.maxWallNs);
    expect([st[0].kernels, st[1].kernels, st[47].kernels]).toEqual(c.kernels);
    expect({ startNs: st[1].startNs, wallNs: st[1].wallNs }).toEqual(c.step1);
    for (let k = 1; k < st.length; k++) expect(st[k].startNs).toBe(st[k - 1].endNs);
  });

  it('keeps every per-step figure consistent', () => {
    for (const s of det.steps) {
      expect(s.gpuBusyNs + s.gpuIdleNs).toBe(s.wallNs);
      expect(s.syncWaitNs).toBeLessThanOrEqual(s.cudaApiNs);
      expect(s.ncclNs).toBe(0); // one GPU, no NCCL
      expect(Number.isInteger(s.gpuBusyNs) && Number.isInteger(s.launchLatencyP50Ns)).toBe(true);
      expect(s.launchLatencyP50Ns ?? 0).toBeLessThanOrEqual(s.launchLatencyP99Ns ?? 0);
    }
    expect(det.summary.count).toBe(48);
    expect(det.summary.worstStep).toBe(det.steps.findIndex((s) => s.wallNs === c.maxWallNs));
  });
});

describe('busy time', () => {
  it('equals the sum of the GPU work in eager decode step 2 (one stream, sqlite3)', async () => {
    // select sum(min(end,80802206)-max(start,53689277)) from (kernels ∪ memcpy ∪ memset)
    //   where end>53689277 and start<80802206  → 1285054 (562 ops on 1 stream)
    const { model } = await openTrace(requireFile(tracePath('shared:llm_eager_pinned_capture.sqlite')));
    const det = detectSteps(model, { stepKernel: /MaxNanFunctor<long>/ });
    expect(det.steps[1].gpuBusyNs).toBe(1285054);
    expect(det.summary.verdict).toBe('cpu-bound'); // GPU busy 1.6% of the run
  }, 60_000);
});

describe('tp2_decode: NVTX decode_step N per rank', () => {
  let model: TraceModel;
  let det: StepDetection;
  beforeAll(async () => {
    ({ model } = await openTrace(sharedSqlite('tp2_decode.sqlite')));
    det = detectSteps(model);
  }, 120_000);

  it('has 32 decode_step ranges per rank, labelled decode by phase:decode', () => {
    // select globalTid>>24&0xffffff, count(*) from NVTX_EVENTS where text like 'decode_step%' group by 1 → 82|32, 83|32
    expect(det.source).toBe('nvtx');
    expect(det.description).toBe('NVTX "decode_step N"');
    expect(det.steps.filter((s) => s.pid === 82)).toHaveLength(32);
    expect(det.steps.filter((s) => s.pid === 83)).toHaveLength(32);
    expect(det.steps.every((s) => s.kind === 'decode')).toBe(true);
  });

  it('measures decode_step 1 of rank 82 like sqlite3', () => {
    // select start, end from NVTX_EVENTS where text='decode_step 1' and globalTid>>24&0xffffff=82 → 16672083929|16762613158;
    // kernels of pid 82 starting inside: 262
    const s = det.steps.find((x) => x.pid === 82 && x.name === 'decode_step 1');
    expect(s).toMatchObject({ index: 1, startNs: 16672083929, endNs: 16762613158, kernels: 262 });
    expect(s?.ncclNs).toBeGreaterThan(0);
  });

  it('takes --step-nvtx over the automatic choice', () => {
    const d = detectSteps(model, { stepNvtx: /^phase:(prefill|decode)$/ });
    expect(d.steps.map((s) => `${s.pid} ${s.name} ${s.kind}`)).toEqual([
      '82 phase:prefill prefill',
      '82 phase:decode decode',
      '83 phase:prefill prefill',
      '83 phase:decode decode',
    ]);
  });
});

describe('streams: NVTX "step N"', () => {
  it('finds the 6 step ranges (unlabelled: no prefill/decode in the data)', async () => {
    // select count(*) from NVTX_EVENTS where text like 'step %' → 6
    const { model } = await openTrace(requireFile(tracePath('shared:streams.sqlite')));
    const det = detectSteps(model);
    expect(det.description).toBe('NVTX "step N"');
    expect(det.steps.map((s) => s.kind)).toEqual(Array(6).fill('step'));
    expect(det.summary.timePerTokenNs).toBeNull();
  });
});

describe('gpuWorkByPid', () => {
  it('counts graph executions (graph-level trace) as GPU work', async () => {
    // select count(*), sum(end-start) from CUPTI_ACTIVITY_KIND_GRAPH_TRACE → 50|3253138
    const { model } = await openTrace(requireFile(tracePath('shared:graphs_default.sqlite')));
    let n = 0;
    let total = 0;
    for (const w of gpuWorkByPid(model).values()) {
      for (let k = 0; k < w.count; k++) {
        if (laneOf(w, k) === 'graph') {
          n++;
          total += w.endNs[k] - w.startNs[k];
        }
        if (k) expect(w.startNs[k]).toBeGreaterThanOrEqual(w.startNs[k - 1]);
      }
    }
    expect([n, total]).toEqual([50, 3253138]);
  });
});

describe('a non-LLM workload (corpus: CloverLeaf on Perlmutter, nsys 2022.x export)', () => {
  it('finds its iterations by a pace kernel but calls none of them prefill or decode (no attention kernels)', async () => {
    const file = requireFile(resolve(sharedCorpus, 'hpcgroup__pipit/perlmutter-cloverleaf-cuda.sqlite'));
    const { model } = await openTrace(file);
    const det = detectSteps(model);
    expect(det.source).toBe('kernel');
    const name = det.paceKernels[0];
    expect(name).not.toContain("'");
    const runs = Number(
      execFileSync(
        'sqlite3',
        [file, `SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.demangledName WHERE s.value = '${name}'`],
        { encoding: 'utf8' },
      ).trim(),
    );
    expect(det.steps).toHaveLength(runs);
    expect(det.steps.every((s) => s.kind === 'step')).toBe(true);
    expect(det.summary.timePerTokenNs).toBeNull();
  });
});
