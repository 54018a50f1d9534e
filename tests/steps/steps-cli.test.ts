import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { requireFile, tracePath } from '../helpers/paths';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');

describe('nsys-viewer steps', () => {
  it('prints the JSON contract: integer ns and a verdict', async () => {
    const r = await runCli('steps', requireFile(tracePath('shared:llm_compiled_capture.sqlite')), '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { steps: Record<string, unknown>[]; summary: Record<string, unknown> };
    expect(Object.keys(j)).toEqual(['steps', 'summary']);
    expect(j.steps).toHaveLength(48);
    expect(Object.keys(j.steps[0])).toEqual([
      'index',
      'name',
      'pid',
      'startNs',
      'endNs',
      'wallNs',
      'gpuBusyNs',
      'gpuIdleNs',
      'kernels',
      'launchLatencyP50Ns',
    ]);
    for (const s of j.steps)
      for (const k of ['startNs', 'endNs', 'wallNs', 'gpuBusyNs', 'gpuIdleNs', 'kernels', 'launchLatencyP50Ns'])
        expect(Number.isInteger(s[k]), k).toBe(true);
    // Step 2 of the compiled run, as sqlite3 gives it (tests/steps/steps.test.ts): 28689371 + 8252350 ns, 279 kernels.
    expect(j.steps[1]).toMatchObject({ index: 1, startNs: 28689371, endNs: 36941721, wallNs: 8252350, kernels: 279 });
    expect(Object.keys(j.summary)).toEqual(['count', 'wallMedianNs', 'wallP99Ns', 'gpuBusyFraction', 'verdict']);
    expect(j.summary).toMatchObject({ count: 48, verdict: 'cpu-bound' });
    expect(Number.isInteger(j.summary.wallMedianNs) && Number.isInteger(j.summary.wallP99Ns)).toBe(true);
  }, 60_000);

  it('prints a table and a CSV, and takes --step-nvtx', async () => {
    const t = await runCli('steps', STREAMS);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^streams\.sqlite: 6 steps from NVTX "step N"/);
    const c = await runCli('steps', '--csv', STREAMS, '--step-nvtx', '^step [0-2]$');
    expect(c.code).toBe(0);
    const lines = c.out.trim().split('\n');
    expect(lines[0]).toBe(
      'pid,index,name,kind,startNs,endNs,wallNs,gpuBusyNs,gpuIdleNs,kernels,cudaApiNs,syncWaitNs,ncclNs,launchLatencyP50Ns,launchLatencyP99Ns',
    );
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(['step 0', 'step 1', 'step 2']);
  });

  it('says what is wrong with its flags in one line', async () => {
    const bad = await runCli('steps', STREAMS, '--step-kernel', '(');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^nsys-viewer steps: --step-kernel "\(" is not a valid regular expression/);
    const both = await runCli('steps', STREAMS, '--step-kernel', 'a', '--step-nvtx', 'b');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/Give one of --step-nvtx and --step-kernel/);
    const none = await runCli('steps', STREAMS, '--step-kernel', 'no_such_kernel');
    expect(none.code).toBe(1);
    expect(none.err).toBe('No kernel in streams.sqlite matches /no_such_kernel/.\n');
  });
});
