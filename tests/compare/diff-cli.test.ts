import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTraceArg } from '../../src/cli/commands/diff';
import { runCli } from '../helpers/cli';
import { requireFile, tracePath } from '../helpers/paths';
import { itShared } from '../helpers/shared-traces';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');

describe('nsys-viewer diff', () => {
  /*
   * Figures of llm_*_capture's steps: tests/compare/compare-runs.test.ts (sqlite3 queries there):
   * median step eager 89249179 ns, compiled 7944664 ns. Compiled as A and eager as B, B is 1023% slower.
   */
  itShared(
    'prints the JSON contract and exits 4 when B is slower than --fail-if-slower allows',
    async () => {
      const eager = requireFile(tracePath('shared:llm_eager_pinned_capture.sqlite'));
      const compiled = requireFile(tracePath('shared:llm_compiled_capture.sqlite'));
      const r = await runCli('diff', compiled, eager, '--json', '--fail-if-slower', '10');
      expect(r.code).toBe(4);
      expect(r.err).toBe("B's median step (89.249 ms) is 1023.4% slower than A's (7.945 ms), more than --fail-if-slower 10.\n");
      const j = JSON.parse(r.out) as {
        a: { file: string; steps: { count: number; wallMedianNs: number } };
        b: { file: string; steps: { count: number; wallMedianNs: number } };
        kernels: Record<string, unknown>[];
        categories: Record<string, unknown>[];
        phases: Record<string, unknown>[];
        align: unknown;
      };
      expect(j.a).toMatchObject({ file: 'llm_compiled_capture.sqlite', steps: { count: 48, wallMedianNs: 7944664 } });
      expect(j.b).toMatchObject({ file: 'llm_eager_pinned_capture.sqlite', steps: { count: 48, wallMedianNs: 89249179 } });
      expect(Object.keys(j.kernels[0]).slice(0, 6)).toEqual(['name', 'category', 'countA', 'countB', 'totalNsA', 'totalNsB']);
      for (const k of j.kernels)
        for (const f of ['countA', 'countB', 'totalNsA', 'totalNsB', 'deltaNs']) expect(Number.isInteger(k[f]), f).toBe(true);
      expect(j.categories.map((c) => c.category)).toEqual(['gemm', 'attention', 'norm', 'elementwise', 'reduce', 'copy', 'sampling']);
      expect(j.phases).toMatchObject([{ name: 'phase:inference', wallNsA: 417584023, wallNsB: 3943907965 }]);
      // Default alignment: the first decode step (step 1: compiled 28689371 ns, eager 53689277 ns; compare-runs.test.ts).
      expect(j.align).toEqual({
        at: 'step:1',
        label: 'step 1 (decode / decode)',
        startNsA: 28689371,
        startNsB: 53689277,
        offsetNs: 53689277 - 28689371,
      });
    },
    60_000,
  );

  /* phase:inference starts at 15481278 ns (compiled) and 16665105 ns (eager): compare-runs.test.ts. */
  itShared(
    '--align phase:NAME lines the runs up at a phase; a malformed one is refused in one line before any trace opens',
    async () => {
      const eager = requireFile(tracePath('shared:llm_eager_pinned_capture.sqlite'));
      const compiled = requireFile(tracePath('shared:llm_compiled_capture.sqlite'));
      const r = await runCli('diff', compiled, eager, '--align', 'phase:inference');
      expect(r.code).toBe(0);
      expect(r.out).toContain("\nAligned at phase:inference: A at 15.481 ms, B at 16.665 ms (B's clock = A's + 1.184 ms)\n");
      // (A name on one side only: compare-runs.test.ts checks the message; the CLI prefixes `--align SPEC: `.)
      const malformed = await runCli('diff', compiled, eager, '--align', 'decode');
      expect(malformed.code).toBe(2);
      expect(malformed.err).toMatch(/^nsys-viewer diff: --align: Alignment "decode" is neither step:N nor phase:NAME/);
    },
    60_000,
  );

  it('prints a markdown table, a CSV and text; the same file twice is compared with itself', async () => {
    const md = await runCli('diff', STREAMS, STREAMS, '--md', '--fail-if-slower', '0');
    expect(md.err).toBe('');
    expect(md.code).toBe(0);
    expect(md.out).toMatch(/^### nsys-viewer diff\n/);
    expect(md.out).toContain("**B's median step is 1.00× faster than A's");
    expect(md.out).toMatch(/\n\| category \| calls\/step A \| calls\/step B \|.*\n\| --- \| ---: \|/);
    const csv = await runCli('diff', STREAMS, STREAMS, '--csv');
    const lines = csv.out.trim().split('\n');
    expect(lines[0]).toBe('section,name,category,countA,countB,totalNsA,totalNsB,perStepNsA,perStepNsB,meanNsA,meanNsB,deltaNs,status');
    for (const l of lines.slice(1)) expect(l).toMatch(/,0,both$/);
    const text = await runCli('diff', STREAMS, STREAMS);
    expect(text.out).toMatch(/^A: streams\.sqlite: 6 steps \(NVTX "step N"\)/);
  });

  it('says what is wrong with its arguments in one line', async () => {
    const one = await runCli('diff', STREAMS);
    expect(one.code).toBe(2);
    expect(one.err).toMatch(/^nsys-viewer diff: Give two traces\. Usage: nsys-viewer diff A B/);
    const two = await runCli('diff', STREAMS, STREAMS, '--md', '--json');
    expect(two.code).toBe(2);
    expect(two.err).toMatch(/Give one of --json, --md and --csv\./);
    const pid = await runCli('diff', `${STREAMS}#1`, STREAMS);
    expect(pid.code).toBe(2);
    expect(pid.err).toMatch(/streams\.sqlite has no GPU work in process 1; its processes with GPU work are \d+\.\n$/);
    const neg = await runCli('diff', STREAMS, STREAMS, '--fail-if-slower', '-1');
    expect(neg.code).toBe(2);
  });

  it('serve --compare: --align and TRACE#PID are checked before anything opens', async () => {
    const noCompare = await runCli('serve', STREAMS, '--align', 'step:1');
    expect([noCompare.code, noCompare.err]).toEqual([2, 'nsys-viewer serve: --align goes with --compare.\n']);
    const bad = await runCli('serve', STREAMS, `${STREAMS}#1`, '--compare', '--align', 'decode');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^nsys-viewer serve: --align: Alignment "decode" is neither step:N nor phase:NAME/);
    const self = await runCli('serve', STREAMS, STREAMS, '--compare');
    expect([self.code, self.err]).toEqual([
      2,
      'nsys-viewer serve: --compare of one trace with itself needs two ranks: streams.sqlite#PID streams.sqlite#PID.\n',
    ]);
  });

  it('reads TRACE#PID, but a path that exists is a path', () => {
    expect(parseTraceArg('/no/such/tp2.sqlite#83')).toEqual({ path: '/no/such/tp2.sqlite', pid: 83 });
    expect(parseTraceArg(STREAMS)).toEqual({ path: STREAMS });
    expect(parseTraceArg('/no/such/x#y')).toEqual({ path: '/no/such/x#y' });
  });
});
