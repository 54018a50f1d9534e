import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportWindowCsv, ExportWindowError, nsToMs, type CsvFile } from '../../src/core/export/csv';
import { openTrace } from '../../src/core/io/open-trace';
import type { TraceModel } from '../../src/core/model/types';
import { itShared } from '../helpers/shared-traces';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
const PINNED = resolve(__dirname, '../../../shared/traces/llm_eager_pinned_capture.sqlite');
const sql = (file: string, q: string) => execFileSync('sqlite3', [file, q], { encoding: 'utf8' }).trim();

const SEED_COLUMNS: Record<string, string[]> = {
  trimmed: ['engine', 'start_time', 'end_time'],
  kernels: [
    'start_ms',
    'end_ms',
    'duration_ms',
    'device_id',
    'stream_id',
    'grid',
    'block',
    'registers',
    'shared_mem_bytes',
    'op_type',
    'op_name',
    'full_name',
  ],
  memcpy: [
    'start_ms',
    'end_ms',
    'duration_ms',
    'size_bytes',
    'size_human',
    'src_mem',
    'dst_mem',
    'device_id',
    'stream_id',
    'dma_bw_gbps',
    'op_type',
    'direction',
  ],
  memcpy_e2e: [
    'cpu_start_ms',
    'cpu_end_ms',
    'cpu_wall_ms',
    'gpu_start_ms',
    'gpu_end_ms',
    'gpu_dma_ms',
    'launch_overhead_ms',
    'e2e_ms',
    'size_bytes',
    'size_human',
    'src_mem',
    'dst_mem',
    'device_id',
    'stream_id',
    'dma_bw_gbps',
    'op_type',
    'direction',
    'api_name',
  ],
  kernel_memcpy_pairs: [
    'memcpy_start_ms',
    'memcpy_end_ms',
    'memcpy_dur_ms',
    'size_bytes',
    'size_human',
    'direction',
    'src_mem',
    'dst_mem',
    'gap_before_ms',
    'gap_after_ms',
    'stream_id',
    'dma_bw_gbps',
    'prev_kernel_name',
    'prev_kernel_end_ms',
    'next_kernel_name',
    'next_kernel_start_ms',
  ],
};

function parse(f: CsvFile) {
  const p = Papa.parse<Record<string, string>>(f.csv, { header: true, skipEmptyLines: true });
  expect(p.errors, f.fileName).toEqual([]);
  return { fields: p.meta.fields ?? [], rows: p.data };
}
const byName = (files: CsvFile[], prefix: string) => files.find((f) => f.fileName.startsWith(prefix))!;

let m: TraceModel;
beforeAll(async () => {
  m = (await openTrace(STREAMS)).model;
});

describe('exportWindowCsv on streams, window 8440-8540 ms since session start', () => {
  const [fromMs, toMs] = [8440, 8540];
  const [t0, t1] = [fromMs * 1e6, toMs * 1e6];
  let files: CsvFile[];
  beforeAll(() => {
    files = exportWindowCsv(m, { fromMs, toMs });
  });

  it('writes the five seed files with their columns first', () => {
    expect(files.map((f) => f.fileName)).toEqual([
      'trimmed.csv',
      'kernels_8440-8540ms.csv',
      'memcpy_8440-8540ms.csv',
      'memcpy_e2e_8440-8540ms.csv',
      'kernel_memcpy_pairs_8440-8540ms.csv',
      'cuda_api_8440-8540ms.csv',
      'nvtx_8440-8540ms.csv',
      'osrt_8440-8540ms.csv',
    ]);
    for (const [prefix, cols] of Object.entries(SEED_COLUMNS)) {
      const f = prefix === 'memcpy' ? files[2] : byName(files, prefix);
      expect(parse(f).fields.slice(0, cols.length), f.fileName).toEqual(cols);
    }
  });

  it('holds every op overlapping the window, as sqlite3 counts them', () => {
    const nK = Number(sql(STREAMS, `SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE end >= ${t0} AND start <= ${t1}`));
    const nM = Number(sql(STREAMS, `SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE end >= ${t0} AND start <= ${t1}`));
    expect(nM).toBe(9); // includes the DtoH copy that started at 8429 ms, before the window
    expect(parse(byName(files, 'kernels_')).rows.length).toBe(nK);
    for (const p of ['memcpy_8', 'memcpy_e2e_', 'kernel_memcpy_pairs_']) expect(parse(byName(files, p)).rows.length, p).toBe(nM);
    const trimmed = parse(files[0]).rows;
    expect(trimmed.length).toBe(nK + nM);
    expect(trimmed.filter((r) => r.engine === 'memcpy').length).toBe(nM);
    for (let r = 1; r < trimmed.length; r++) expect(Number(trimmed[r].start_ns)).toBeGreaterThanOrEqual(Number(trimmed[r - 1].start_ns));
  });

  it('keeps exact integer ns, measured from session start, and ms columns agree to the ns', () => {
    const expected = sql(
      STREAMS,
      `SELECT start, end FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE end >= ${t0} AND start <= ${t1} ORDER BY start, end`,
    )
      .split('\n')
      .map((l) => l.split('|').map(Number));
    const rows = parse(byName(files, 'kernels_'))
      .rows.map((r) => [Number(r.start_ns), Number(r.end_ns), r.start_ms, r.duration_ns, r.duration_ms] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    rows.forEach(([s, e, sMs, dNs, dMs], k) => {
      expect([s, e]).toEqual(expected[k]);
      expect(sMs).toBe(nsToMs(s));
      expect(Math.round(Number(sMs) * 1e6)).toBe(s);
      expect(Number(dNs)).toBe(e - s);
      expect(Math.round(Number(dMs) * 1e6)).toBe(e - s);
    });
  });

  it('labels copies from the file enums and joins API calls on (pid, correlationId)', () => {
    const mem = parse(byName(files, 'memcpy_8')).rows;
    const kinds = new Set(mem.map((r) => `${r.direction}:${r.src_mem}->${r.dst_mem}`));
    expect(kinds).toEqual(new Set(['Device-to-Host:Device->Pageable', 'Host-to-Device:Pinned->Device', 'Host-to-Device:Pageable->Device']));
    const e2e = parse(byName(files, 'memcpy_e2e_')).rows;
    const api = sql(
      STREAMS,
      `SELECT r.start, r.end, s.value FROM CUPTI_ACTIVITY_KIND_MEMCPY m JOIN CUPTI_ACTIVITY_KIND_RUNTIME r
      ON r.correlationId = m.correlationId AND (r.globalTid >> 24) = (m.globalPid >> 24) JOIN StringIds s ON s.id = r.nameId
      WHERE m.end >= ${t0} AND m.start <= ${t1} ORDER BY m.start`,
    )
      .split('\n')
      .map((l) => l.split('|'));
    e2e.forEach((r, k) => {
      expect([r.cpu_start_ns, r.cpu_end_ns, r.api_name]).toEqual(api[k]);
      expect(Number(r.e2e_ns)).toBe(Math.max(Number(r.cpu_wall_ns), Number(r.gpu_end_ns) - Number(r.cpu_start_ns)));
      expect(Number(r.dma_bw_gbps)).toBeCloseTo(Number(r.size_bytes) / Number(r.gpu_dma_ns), 3);
    });
  });

  it('pairs each copy with the nearest kernels on its own stream', () => {
    const pairs = parse(byName(files, 'kernel_memcpy_pairs_')).rows;
    for (const r of pairs) {
      if (r.prev_kernel_end_ns === '') continue;
      const prevEnd = Number(r.prev_kernel_end_ns);
      expect(Number(r.gap_before_ns)).toBe(Number(r.memcpy_start_ns) - prevEnd);
      // Nothing else on this stream ran between the previous kernel's end and the copy's start.
      const between = Number(
        sql(
          STREAMS,
          `SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE streamId=${r.stream_id} AND start >= ${prevEnd} AND start < ${r.memcpy_start_ns}`,
        ),
      );
      expect(between).toBe(0);
    }
  });

  it('refuses an empty or reversed window with a message naming the trace span', () => {
    expect(() => exportWindowCsv(m, { fromMs: 10, toMs: 10 })).toThrow(ExportWindowError);
    expect(() => exportWindowCsv(m, { fromMs: 20, toMs: 10 })).toThrow(/--to \(10\) must be after --from \(20\).*trace spans 0\.000000–/);
  });
});

describe('CPU-side CSVs beside the GPU files (streams, 8440-8540 ms)', () => {
  const [t0, t1] = [8440e6, 8540e6];
  const overlap = `end >= ${t0} AND start <= ${t1}`;
  // nsys stores serialized global ids: pid in bits 24-47, tid in bits 0-23.
  const threadSql = 'globalTid / 16777216 % 16777216 AS pid, globalTid % 16777216 AS tid';
  let files: CsvFile[];
  beforeAll(() => {
    files = exportWindowCsv(m, { fromMs: 8440, toMs: 8540 });
  });
  const rowsOf = (prefix: string) => parse(byName(files, prefix)).rows;
  const sumNs = (rows: Record<string, string>[]) => rows.reduce((s, r) => s + Number(r.duration_ns), 0);
  const perThread = (rows: Record<string, string>[]) => {
    const c = new Map<string, number>();
    for (const r of rows) c.set(`${r.pid}|${r.tid}`, (c.get(`${r.pid}|${r.tid}`) ?? 0) + 1);
    return [...c].map(([k, n]) => `${k}|${n}`).sort();
  };
  const sqlPerThread = (table: string, where: string) =>
    sql(STREAMS, `SELECT pid, tid, count(*) FROM (SELECT ${threadSql} FROM ${table} WHERE ${where}) GROUP BY 1, 2`).split('\n').sort();

  it('cuda_api: every call overlapping the window, names without the version suffix, the raw name beside', () => {
    const rows = rowsOf('cuda_api_');
    const [n, sum] = sql(STREAMS, `SELECT count(*), sum(end - start) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE ${overlap}`)
      .split('|')
      .map(Number);
    expect(rows.length).toBe(n);
    expect(sumNs(rows)).toBe(sum);
    expect(perThread(rows)).toEqual(sqlPerThread('CUPTI_ACTIVITY_KIND_RUNTIME', overlap));
    const raw = sql(
      STREAMS,
      `SELECT s.value, count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON s.id = r.nameId WHERE ${overlap} GROUP BY 1`,
    ).split('\n');
    const got = new Map<string, number>();
    for (const r of rows) got.set(r.raw_name, (got.get(r.raw_name) ?? 0) + 1);
    expect([...got].map(([k, c]) => `${k}|${c}`).sort()).toEqual(raw.sort());
    const launch = rows.find((r) => r.raw_name === 'cudaLaunchKernel_v7000')!;
    expect(launch.api_name).toBe('cudaLaunchKernel');
    expect(launch.api_kind).toBe(
      sql(
        STREAMS,
        `SELECT label FROM ENUM_NSYS_EVENT_CLASS WHERE id = (SELECT eventClass FROM CUPTI_ACTIVITY_KIND_RUNTIME r
        JOIN StringIds s ON s.id = r.nameId WHERE s.value = 'cudaLaunchKernel_v7000' LIMIT 1)`,
      ),
    );
    for (const r of rows) {
      expect(r.start_ms).toBe(nsToMs(Number(r.start_ns)));
      expect(r.duration_ms).toBe(nsToMs(Number(r.duration_ns)));
    }
  });

  it('cuda_api over the whole trace sums per name to NVIDIA’s cuda_api_sum', () => {
    const whole = exportWindowCsv(m, { fromMs: 0, toMs: m.meta.sessionEndNs / 1e6 });
    const byApi = new Map<string, number>();
    for (const r of parse(byName(whole, 'cuda_api_')).rows) byApi.set(r.api_name, (byApi.get(r.api_name) ?? 0) + Number(r.duration_ns));
    const nvidia = Papa.parse<Record<string, string>>(
      readFileSync(resolve(__dirname, '../fixtures/nsys-stats-2025.3/streams_cuda_api_sum.csv'), 'utf8'),
      { header: true, skipEmptyLines: true },
    ).data;
    expect(nvidia.length).toBeGreaterThan(5);
    expect(byApi.size).toBe(nvidia.length);
    for (const r of nvidia) expect(byApi.get(r.Name), r.Name).toBe(Number(r['Total Time (ns)']));
  });

  it('nvtx and osrt: counts, summed durations and threads as sqlite3 has them', () => {
    const nvtx = rowsOf('nvtx_');
    const kept = `eventType IN (34, 59, 60, 65, 70, 71) AND ${overlap}`;
    const [nN, sumN] = sql(STREAMS, `SELECT count(*), sum(end - start) FROM NVTX_EVENTS WHERE ${kept}`).split('|').map(Number);
    expect(nvtx.length).toBe(nN);
    expect(sumNs(nvtx)).toBe(sumN);
    expect(nvtx.map((r) => r.name).sort()).toEqual(sql(STREAMS, `SELECT text FROM NVTX_EVENTS WHERE ${kept}`).split('\n').sort());
    expect(new Set(nvtx.map((r) => r.style))).toEqual(new Set(['PushPop']));
    expect(perThread(nvtx)).toEqual(sqlPerThread('NVTX_EVENTS', kept));
    const osrt = rowsOf('osrt_');
    const [nO, sumO] = sql(STREAMS, `SELECT count(*), sum(end - start) FROM OSRT_API WHERE ${overlap}`).split('|').map(Number);
    expect(osrt.length).toBe(nO);
    expect(sumNs(osrt)).toBe(sumO);
    expect(perThread(osrt)).toEqual(sqlPerThread('OSRT_API', overlap));
    const names = sql(STREAMS, `SELECT s.value FROM OSRT_API o JOIN StringIds s ON s.id = o.nameId WHERE ${overlap}`).split('\n');
    expect(osrt.map((r) => r.name).sort()).toEqual(names.sort());
    const proc = sql(STREAMS, `SELECT name FROM PROCESSES WHERE pid = ${osrt[0].pid}`);
    expect(osrt[0].process_name).toBe(proc);
    for (let r = 1; r < osrt.length; r++) expect(Number(osrt[r].start_ns)).toBeGreaterThanOrEqual(Number(osrt[r - 1].start_ns));
  });

  it('an NVTX text that a spreadsheet would run gets the leading quote', () => {
    const strings = m.strings.slice();
    const id = strings.length;
    strings.push('=HYPERLINK("http://x")');
    const nameId = m.nvtx.nameId.slice();
    const i = m.nvtx.count - 1;
    nameId[i] = id;
    const mm: TraceModel = { ...m, strings, nvtx: { ...m.nvtx, nameId } };
    const t = m.nvtx.startNs[i] / 1e6;
    const rows = parse(byName(exportWindowCsv(mm, { fromMs: t, toMs: t + 0.001 }), 'nvtx_')).rows;
    expect(rows.map((r) => r.name)).toContain('\'=HYPERLINK("http://x")');
  });
});

describe('kernel names survive CSV quoting', () => {
  it('a name with commas and double quotes round-trips', () => {
    const evil = 'void k<"a, b", (int)4>(float *, "quoted" "twice", \n newline)';
    const strings = m.strings.slice();
    const k0 = m.kernels.count - 1;
    const id = strings.length;
    strings.push(evil);
    const demangledNameId = m.kernels.demangledNameId.slice();
    const shortNameId = m.kernels.shortNameId.slice();
    demangledNameId[k0] = id;
    shortNameId[k0] = id;
    const mm: TraceModel = { ...m, strings, kernels: { ...m.kernels, demangledNameId, shortNameId } };
    const t = m.kernels.startNs[k0] / 1e6;
    const files = exportWindowCsv(mm, { fromMs: t - 0.001, toMs: t + 0.001 });
    const rows = parse(byName(files, 'kernels_')).rows;
    expect(rows.map((r) => r.full_name)).toContain(evil);
    expect(rows.map((r) => r.op_name)).toContain(evil);
    expect(parse(files[0]).rows.map((r) => r.name)).toContain(evil);
  });

  itShared('real llm_eager_pinned_capture names (commas, templates) come back identical', async () => {
    const big = (await openTrace(PINNED)).model;
    const files = exportWindowCsv(big, { fromMs: 1000, toMs: 1140 });
    const rows = parse(byName(files, 'kernels_')).rows;
    const nK = Number(sql(PINNED, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE end >= 1000000000 AND start <= 1140000000'));
    expect(rows.length).toBe(nK);
    const expected = sql(
      PINNED,
      `SELECT s.value FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.demangledName
      WHERE k.end >= 1000000000 AND k.start <= 1140000000 ORDER BY k.start, k.end`,
    ).split('\n');
    const got = rows
      .slice()
      .sort((a, b) => Number(a.start_ns) - Number(b.start_ns) || Number(a.end_ns) - Number(b.end_ns))
      .map((r) => r.full_name);
    expect(got).toEqual(expected);
    expect(got.filter((n) => n.includes(',')).length).toBeGreaterThan(100);
    const nM =
      Number(sql(PINNED, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE end >= 1000000000 AND start <= 1140000000')) +
      Number(
        sql(
          PINNED,
          "SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_master WHERE name='CUPTI_ACTIVITY_KIND_MEMSET') THEN (SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMSET WHERE end >= 1000000000 AND start <= 1140000000) ELSE 0 END",
        ),
      );
    expect(parse(byName(files, 'memcpy_e2e_')).rows.length).toBe(nM);
  });
});
