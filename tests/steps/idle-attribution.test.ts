import { beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import type { TraceModel } from '../../src/core/model/types';
import { attributeIdle, IDLE_CAUSES, type IdleAttribution } from '../../src/core/steps/idle-attribution';
import { buildSummary } from '../../src/core/summary/summary';
import { requireFile, tracePath } from '../helpers/paths';
import { describeShared, itShared } from '../helpers/shared-traces';
import { sharedSqlite } from '../helpers/shared-sqlite';

describe('idle attribution: llm_eager_pinned_capture', () => {
  let model: TraceModel;
  let idle: IdleAttribution;
  beforeAll(async () => {
    ({ model } = await openTrace(requireFile(tracePath('shared:llm_eager_pinned_capture.sqlite'))));
    idle = attributeIdle(model);
  }, 60_000);

  it('explains every nanosecond of every gap', () => {
    for (const g of idle.gaps) expect(IDLE_CAUSES.reduce((s, c) => s + g.ns[c], 0)).toBe(g.endNs - g.startNs);
  });

  it('splits the longest gap like sqlite3 does', () => {
    // The longest gap, 3264412089 → 3332967245 ns (68.56 ms), ends with a kernel launched by thread 470.
    // select sum(min(end,3332967245)-max(start,3264412089)) from CUPTI_ACTIVITY_KIND_RUNTIME
    //   where end>3264412089 and start<3332967245 and (globalTid & 0xffffff)=470  → 1875121
    // (cuLibraryLoadData, cuKernelSetAttribute 1773770, cuLaunchKernelEx, …); no OSRT in this capture.
    const longest = idle.gaps.reduce((a, b) => (b.endNs - b.startNs > a.endNs - a.startNs ? b : a));
    expect(longest).toMatchObject({ pid: 470, startNs: 3264412089, endNs: 3332967245, launchTid: 470 });
    expect(longest.ns).toEqual({ launch: 1875121, 'host-wait': 0, cpu: 68555156 - 1875121, 'gpu-wait': 0, unknown: 0 });
    expect(model.strings[[...longest.apiNs].sort((a, b) => b[1] - a[1])[0][0]]).toBe('cuKernelSetAttribute');
  });

  it('gives a verdict with its evidence per step kind and phase', () => {
    const decode = idle.byStepKind.find((b) => b.scope === 'decode');
    expect(decode?.verdict).toBe('cpu-bound');
    expect(decode?.evidence).toMatch(
      /^cpu-bound: GPU busy 2% of decode \(47 steps\); during 90% of the idle time the launching thread was doing other CPU work/,
    );
    expect(idle.byStepKind.map((b) => b.scope)).toEqual(['prefill', 'decode']);
    // The figures lead to their gaps: the longest decode gap is the one checked above.
    expect(decode?.longestGaps[0]).toEqual({ pid: 470, startNs: 3264412089, endNs: 3332967245, cause: 'cpu' });
    expect(idle.byPhase.map((b) => b.scope)).toEqual(['phase:inference']);
  });

  it('is in the summary JSON', () => {
    const sm = buildSummary(model);
    expect(sm.steps).toMatchObject({ source: 'kernel', count: 48, verdict: 'cpu-bound' });
    expect(sm.steps.idle.by_step_kind[1].evidence).toBe(idle.byStepKind[1].evidence);
  }, 60_000);
});

describeShared('idle attribution: gaps summed as they are explained', () => {
  // Scopes are summed gap by gap (no gap kept) when their windows are disjoint and in order; the
  // proportional parts are float sums, so they must be added in the order window-by-window summing
  // over all gaps adds them. tp2_decode has both kinds of scope: its decode steps stream, its
  // phases overlap across the two ranks' rows and are summed from the gaps as columns.
  for (const name of ['tp2_decode.sqlite', 'llm_eager_pageable.sqlite', 'defaults_streams.sqlite']) {
    itShared(
      `gives bit-identical breakdowns to summing every scope from all gaps (${name})`,
      async () => {
        const { model } = await openTrace(sharedSqlite(name));
        const streamed = attributeIdle(model);
        const columns = attributeIdle(model, { materialise: true });
        expect(streamed.run).toEqual(columns.run);
        expect(streamed.byStepKind).toEqual(columns.byStepKind);
        expect(streamed.byPhase).toEqual(columns.byPhase);
        expect(streamed.byStepKind.length + streamed.byPhase.length).toBeGreaterThan(0);
      },
      60_000,
    );
  }
});
