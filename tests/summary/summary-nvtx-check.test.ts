import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { runStatsReport } from '../../src/core/stats/run-stats';
import { buildSummary } from '../../src/core/summary/summary';

const CPU_NVTX = resolve(__dirname, '../fixtures/nsys-2022.4/cpu_nvtx.sqlite');
const dir = mkdtempSync(join(tmpdir(), 'nsys-viewer-summary-nvtx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sql = (file: string, q: string) => execFileSync('sqlite3', [file, q], { encoding: 'utf8' }).trim();

describe('summary NVTX check', () => {
  it('passes when a name is top-level on one thread and nested on another (nvtx_sum counts both)', async () => {
    // cpu_nvtx (nsys 2022.4): "step 0".."step 4" top-level on the main thread. A second thread
    // gets an "epoch" range holding one more "step 0": nested there.
    const f = join(dir, 'nested.sqlite');
    copyFileSync(CPU_NVTX, f);
    const tid = Number(sql(f, "SELECT globalTid FROM NVTX_EVENTS WHERE text = 'step 0'"));
    const worker = tid + 1;
    execFileSync('sqlite3', [
      f,
      `INSERT INTO NVTX_EVENTS (start, end, eventType, globalTid, text) VALUES (40000000, 60000000, 59, ${worker}, 'epoch');
       INSERT INTO NVTX_EVENTS (start, end, eventType, globalTid, text) VALUES (41000000, 42000000, 59, ${worker}, 'step 0');`,
    ]);
    const { model } = await openTrace(f);
    const sm = buildSummary(model, { references: { nvtx_sum: runStatsReport(model, 'nvtx_sum') } });
    expect(sm.phase_source).toBe('nvtx top-level ranges');
    // The phase is the top-level time only; the check compares what nvtx_sum sums: both ranges.
    const step0 = sm.phases.find((p) => p.name === 'step 0')!;
    expect(step0.ranges).toBe(1);
    const checks = sm.checks.filter((c) => c.name.startsWith('NVTX "step 0"'));
    expect(checks.map((c) => [c.name, c.ours, c.ok])).toEqual([
      ['NVTX "step 0": total ns (all 2 ranges of the name, any depth)', 20205946 + 1000000, true],
      ['NVTX "step 0": instances (all 2 ranges of the name, any depth)', 2, true],
    ]);
    expect(sm.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
