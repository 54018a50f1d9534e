import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeMemOps } from '../src/core/analysis/memcpy';
import { exportWindowCsv } from '../src/core/export/csv';
import { openTrace } from '../src/core/io/open-trace';
import { buildCorrelation } from '../src/core/model/correlation';
import type { TraceModel } from '../src/core/model/types';
import { runStatsReport as runReport } from '../src/core/stats';
import { buildSummary } from '../src/core/summary/summary';
import { repoRoot } from './helpers/paths';
import { dumpTrace } from './helpers/trace-snapshot';

/**
 * Schema and data quirks of nsys exports, each reproduced on a copy of a committed real export
 * changed with sqlite3 the way the other nsys version (or the other machine) writes it.
 */
const STREAMS = resolve(repoRoot, 'tests/fixtures/nsys-2025.3/streams.sqlite');
const CPU_NVTX = resolve(repoRoot, 'tests/fixtures/nsys-2022.4/cpu_nvtx.sqlite');
const tmpRoot = mkdtempSync(join(tmpdir(), 'nsys-viewer-schemas-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let n = 0;
const sql = (file: string, q: string) => execFileSync('sqlite3', [file, q], { encoding: 'utf8' }).trim();
/** A copy of `src` with `statements` applied by sqlite3. */
function variant(src: string, statements: string): string {
  const f = join(tmpRoot, `${n++}.sqlite`);
  copyFileSync(src, f);
  execFileSync('sqlite3', [f, statements]);
  return f;
}
const open = async (f: string): Promise<TraceModel> => (await openTrace(f)).model;
const TWO_24 = 16777216;
/** The snapshot dump without its first line (the file name, which differs between the copies). */
const body = (m: TraceModel) => dumpTrace(m).split('\n').slice(1).join('\n');

describe('session window comes from the capture', () => {
  it('rows stamped before the capture and GPU work a few µs past its end do not move the session origin', async () => {
    const duration = Number(sql(STREAMS, 'SELECT duration FROM ANALYSIS_DETAILS'));
    const tid = Number(sql(STREAMS, 'SELECT globalTid FROM NVTX_EVENTS LIMIT 1'));
    const lastKernel = Number(sql(STREAMS, 'SELECT max(end) FROM CUPTI_ACTIVITY_KIND_KERNEL'));
    // As in 4gpu_baseline (nsys 2022.4): thread-naming rows (type 39) 346 s before the capture, a
    // kernel ending 17 µs after ANALYSIS_DETAILS.duration; plus a range pushed before the capture.
    const f = variant(
      STREAMS,
      `INSERT INTO NVTX_EVENTS (start, end, eventType, globalTid, text) VALUES (-346050393894, NULL, 39, ${tid}, 'worker');
       INSERT INTO NVTX_EVENTS (start, end, eventType, globalTid, text) VALUES (-5000000000, 1000000, 59, ${tid}, 'setup');
       UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET end = ${duration + 17_000} WHERE end = ${lastKernel};`,
    );
    const m = await open(f);
    expect([m.meta.sessionStartNs, m.meta.sessionEndNs]).toEqual([0, duration + 17_000]);
    // The early range keeps its true times (nvtx_sum counts it, as NVIDIA's does), but the span the
    // timeline fits starts at the capture: the range is clipped there, not the view stretched.
    const setup = Array.from({ length: m.nvtx.count }, (_, i) => i).find((i) => m.strings[m.nvtx.nameId[i]] === 'setup')!;
    expect([m.nvtx.startNs[setup], m.nvtx.endNs[setup]]).toEqual([-5_000_000_000, 1_000_000]);
    expect(m.meta.firstEventNs).toBe(0);
  });
});

describe('exports without ENUM tables (nsys 2022.2)', () => {
  it("names copies and memory kinds with nsys's own values, so both memory reports equal those of the file with the tables", async () => {
    const withEnums = await open(STREAMS);
    const without = await open(variant(STREAMS, 'DROP TABLE ENUM_CUDA_MEMCPY_OPER; DROP TABLE ENUM_CUDA_MEM_KIND;'));
    expect(without.meta.tables).not.toContain('ENUM_CUDA_MEMCPY_OPER');
    for (const report of ['cuda_gpu_mem_time_sum', 'cuda_gpu_mem_size_sum'] as const) {
      const got = runReport(without, report);
      expect(got.rows.length).toBeGreaterThan(0);
      expect(got).toEqual(runReport(withEnums, report));
    }
    expect(body(without)).toBe(body(withEnums));
  });
});

describe('row order (nsys 2025.6+ exports do not promise it)', () => {
  it('a file with every event table shuffled reads as the same model and the same nsys stats', async () => {
    const tables = ['CUPTI_ACTIVITY_KIND_KERNEL', 'CUPTI_ACTIVITY_KIND_MEMCPY', 'CUPTI_ACTIVITY_KIND_RUNTIME', 'NVTX_EVENTS', 'OSRT_API'];
    // Rebuilt in a fixed pseudo-random order (by a hash of the rowid), not the file's.
    const shuffle = tables
      .map(
        (t) =>
          `CREATE TABLE s AS SELECT * FROM ${t} ORDER BY (rowid * 2654435761) % 1000003; DELETE FROM ${t}; INSERT INTO ${t} SELECT * FROM s; DROP TABLE s;`,
      )
      .join('\n');
    const f = variant(STREAMS, shuffle);
    expect(sql(f, 'SELECT start FROM CUPTI_ACTIVITY_KIND_KERNEL LIMIT 3')).not.toBe(
      sql(STREAMS, 'SELECT start FROM CUPTI_ACTIVITY_KIND_KERNEL LIMIT 3'),
    );
    const [a, b] = [await open(STREAMS), await open(f)];
    // The dump lists every track's count, sum, first and last event and the NVTX depths.
    expect(body(b)).toBe(body(a));
    for (const report of [
      'cuda_gpu_kern_sum',
      'cuda_api_sum',
      'nvtx_sum',
      'osrt_sum',
      'cuda_gpu_mem_time_sum',
      'cuda_kern_exec_sum',
    ] as const) {
      expect(runReport(b, report), report).toEqual(runReport(a, report));
    }
    // Idle gaps, phases and copy analyses walk the tracks, never the rows in file order.
    expect(buildSummary(b, { sqlite: 'x' })).toEqual(buildSummary(a, { sqlite: 'x' }));
    // export-csv of the whole session: the same files, row for row.
    const whole = { fromMs: 0, toMs: a.meta.sessionEndNs / 1e6 };
    expect(exportWindowCsv(b, whole)).toEqual(exportWindowCsv(a, whole));
  });
});

describe('NVTX tables of newer exports', () => {
  it('extra NVTX columns and tables (2026.4 adds an event id and payload tables) do not change what is read', async () => {
    const f = variant(
      CPU_NVTX,
      `ALTER TABLE NVTX_EVENTS ADD COLUMN eventId INTEGER; UPDATE NVTX_EVENTS SET eventId = rowid;
       CREATE TABLE NVTX_PAYLOAD_SCHEMAS (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE NVTX_PAYLOADS (eventId INTEGER, schemaId INTEGER, data BLOB);`,
    );
    expect(body(await open(f))).toBe(body(await open(CPU_NVTX)));
  });
});

describe('NVTX ranges that start on the same ns', () => {
  it('the enclosing range stays above the one it contains, whichever row comes first', async () => {
    const tid = Number(sql(CPU_NVTX, 'SELECT globalTid FROM NVTX_EVENTS WHERE eventType = 59 LIMIT 1'));
    const t = Number(sql(CPU_NVTX, "SELECT end + 1000 FROM NVTX_EVENTS WHERE text = 'step 4'"));
    // nsys writes a push/pop range when it is popped: the inner one (popped first) is the earlier row.
    const f = variant(
      CPU_NVTX,
      `INSERT INTO NVTX_EVENTS (start, end, eventType, globalTid, text) VALUES (${t}, ${t + 500}, 59, ${tid}, 'inner');
       INSERT INTO NVTX_EVENTS (start, end, eventType, globalTid, text) VALUES (${t}, ${t + 900}, 59, ${tid}, 'outer');`,
    );
    const m = await open(f);
    const depthOf = (name: string) =>
      m.nvtx.depth[Array.from({ length: m.nvtx.count }, (_, i) => i).find((i) => m.strings[m.nvtx.nameId[i]] === name)!];
    expect([depthOf('outer'), depthOf('inner')]).toEqual([0, 1]);
  });
});

describe('correlation keys above pid 2,097,151', () => {
  it('every kernel and copy pairs with the same API call at pid 4,000,000 as at the recorded pid', async () => {
    const pid = Number(
      sql(STREAMS, 'SELECT DISTINCT pid FROM PROCESSES WHERE globalPid IN (SELECT globalPid FROM CUPTI_ACTIVITY_KIND_KERNEL)'),
    );
    const shift = (4_000_000 - pid) * TWO_24;
    const f = variant(
      STREAMS,
      ['CUPTI_ACTIVITY_KIND_KERNEL', 'CUPTI_ACTIVITY_KIND_MEMCPY', 'PROCESSES']
        .map((t) => `UPDATE ${t} SET globalPid = globalPid + ${shift};`)
        .concat(
          ['CUPTI_ACTIVITY_KIND_RUNTIME', 'NVTX_EVENTS', 'OSRT_API', 'ThreadNames'].map(
            (t) => `UPDATE ${t} SET globalTid = globalTid + ${shift};`,
          ),
        )
        .concat([`UPDATE PROCESSES SET pid = 4000000 WHERE pid = ${pid};`])
        .join('\n'),
    );
    const [a, b] = [await open(STREAMS), await open(f)];
    expect(b.kernels.pid[0]).toBe(4_000_000);
    const [ca, cb] = [buildCorrelation(a), buildCorrelation(b)];
    const pairs = (c: ReturnType<typeof buildCorrelation>, m: TraceModel) => [
      ...Array.from({ length: m.kernels.count }, (_, i) => c.apiOf('kernel', i)),
      ...Array.from({ length: m.memcpy.count }, (_, i) => c.apiOf('memcpy', i)),
    ];
    expect(pairs(ca, a).every((x) => x >= 0)).toBe(true);
    expect(pairs(cb, b)).toEqual(pairs(ca, a));
    // The windowed path (no full index) uses the same key.
    expect(Array.from(analyzeMemOps(b).apiIndex)).toEqual(Array.from(analyzeMemOps(a).apiIndex));
  });
});
