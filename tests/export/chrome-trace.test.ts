import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromeTraceFileName, nsToUsText } from '../../src/core/export/chrome-trace';
import { openTrace } from '../../src/core/io/open-trace';
import { TraceService } from '../../src/core/service/trace-service';
import { isSaveFileName } from '../../src/shared/ipc';
import { runCli } from '../helpers/cli';
import { haveSharedTraces, requireFile, tracePath } from '../helpers/paths';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
const dir = mkdtempSync(join(tmpdir(), 'nsys-viewer-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TraceEvent {
  ph: string;
  name: string;
  cat?: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  id?: number;
  bp?: string;
  args?: Record<string, unknown>;
}
interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: string;
}

async function exportTrace(trace: string, name: string, ...extra: string[]): Promise<{ text: string; file: TraceFile; out: string }> {
  const out = join(dir, name);
  const r = await runCli('export-trace', trace, '--out', out, ...extra);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const text = readFileSync(out, 'utf8');
  return { text, file: JSON.parse(text) as TraceFile, out: r.out };
}

/** Events that draw a slice (complete or async begin) or an instant, per category. */
function countByCat(f: TraceFile): Record<string, number> {
  const n: Record<string, number> = {};
  for (const e of f.traceEvents) if ((e.ph === 'X' || e.ph === 'b' || e.ph === 'i') && e.cat) n[e.cat] = (n[e.cat] ?? 0) + 1;
  return n;
}

describe('nsToUsText', () => {
  it('writes integer ns as exact µs text', () => {
    expect(nsToUsText(8504551642)).toBe('8504551.642');
    expect(nsToUsText(29654535)).toBe('29654.535');
    expect(nsToUsText(5)).toBe('0.005');
    expect(nsToUsText(1000)).toBe('1.000');
    expect(nsToUsText(-5)).toBe('-0.005');
  });
});

describe('nsys-viewer export-trace', () => {
  it('writes every event of streams with counts equal to the file (sqlite3) and exact ns', async () => {
    const { text, file, out } = await exportTrace(STREAMS, 'streams.json');
    expect(file.displayTimeUnit).toBe('ns');
    // SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL / _MEMCPY / _RUNTIME, NVTX_EVENTS; OSRT_API
    // holds 20490 rows, 3 of them zero-length "[Unknown]" on thread id 0, which no thread track
    // holds and NVIDIA's streams_osrt_sum.csv leaves out too (its Num Calls sum to 20487).
    expect(countByCat(file)).toEqual({ kernel: 151, memcpy: 30, 'cuda-api': 1549, nvtx: 6, osrt: 20487 });
    // GPU ops whose (pid, correlationId) matches a runtime row: 181 (join in sqlite3)
    expect(file.traceEvents.filter((e) => e.ph === 's').length).toBe(181);
    expect(file.traceEvents.filter((e) => e.ph === 'f').length).toBe(181);
    expect(out).toContain('API→GPU flows 181');
    // The longest copy (start 8504551642, 29654535 ns) and its cudaMemcpyAsync_v3020 (start 8484092643, 52168452 ns), correlationId 3008.
    expect(text).toContain('"ts":8504551.642,"dur":29654.535');
    const copy = file.traceEvents.find((e) => e.cat === 'memcpy' && e.ts === 8504551.642)!;
    expect(copy.args?.correlationId).toBe(3008);
    expect(copy.args?.bytes).toBe(33554432);
    const call = file.traceEvents.find((e) => e.cat === 'cuda-api' && e.ts === 8484092.643)!;
    expect(call.name).toBe('cudaMemcpyAsync');
    expect(call.dur).toBe(52168.452);
    expect(call.args?.rawName).toBe('cudaMemcpyAsync_v3020');
    const start = file.traceEvents.find((e) => e.ph === 's' && e.ts === 8484092.643 && e.pid === call.pid && e.tid === call.tid)!;
    const finish = file.traceEvents.find((e) => e.ph === 'f' && e.id === start.id)!;
    expect(finish).toMatchObject({ ts: 8504551.642, bp: 'e', pid: copy.pid, tid: copy.tid });
    // Tracks are named: the copy's stream and the calling thread.
    const meta = (ph: string, pid: number, tid: number) =>
      file.traceEvents.find((e) => e.ph === 'M' && e.name === ph && e.pid === pid && (ph === 'process_name' || e.tid === tid));
    expect(meta('thread_name', copy.pid, copy.tid)?.args?.name as string).toMatch(/^Stream \d+ · pid \d+$/);
    expect(meta('process_name', copy.pid, 0)?.args?.name as string).toMatch(/^GPU 0/);
    expect(meta('thread_name', call.pid, call.tid)).toBeDefined();
    // NVTX "step 0": start 8140702950, end 8458742208.
    expect(text).toContain('"name":"step 0","cat":"nvtx"');
    expect(file.traceEvents.find((e) => e.name === 'step 0')?.ts).toBe(8140702.95);
  });

  it('keeps only events overlapping --from/--to, flows only with both ends', async () => {
    const { file } = await exportTrace(STREAMS, 'win.json', '--from', '8400', '--to', '8500');
    // sqlite3: ... WHERE end >= 8400000000 AND start <= 8500000000
    expect(countByCat(file)).toEqual({ kernel: 42, memcpy: 5, 'cuda-api': 129, nvtx: 2, osrt: 24 });
    const ids = new Set(file.traceEvents.filter((e) => e.ph === 'f').map((e) => e.id));
    expect(file.traceEvents.filter((e) => e.ph === 's').every((e) => ids.has(e.id))).toBe(true);
  });

  it('refuses a missing --out, a non-JSON name and a half window, in one line each', async () => {
    expect((await runCli('export-trace', STREAMS)).err).toMatch(/--out FILE\.json is required/);
    expect((await runCli('export-trace', STREAMS, '--out', join(dir, 'x.csv'))).err).toMatch(/--out must name a \.json file/);
    const half = await runCli('export-trace', STREAMS, '--from', '1', '--out', join(dir, 'y.json'));
    expect(half.code).toBe(2);
    expect(half.err).toMatch(/Give both --from and --to/);
    const again = await runCli('export-trace', STREAMS, '--out', join(dir, 'streams.json'));
    expect(again.err).toMatch(/File exists: .*streams\.json\. Pass --force/);
  });

  it.skipIf(!haveSharedTraces)('graphs_default: 50 graph executions with their cudaGraphLaunch flows', async () => {
    const { file } = await exportTrace(requireFile(tracePath('shared:graphs_default.sqlite')), 'graphs.json');
    // sqlite3: 870 kernels, 51 copies, 3618 runtime rows, 100 NVTX rows, 50 CUPTI_ACTIVITY_KIND_GRAPH_TRACE rows
    expect(countByCat(file)).toEqual({ kernel: 870, memcpy: 51, 'cuda-api': 3618, nvtx: 100, 'cuda-graph': 50 });
    // kernels + copies + graph executions joined to runtime rows on (pid, correlationId): 971
    expect(file.traceEvents.filter((e) => e.ph === 's').length).toBe(971);
    const launches = new Set(file.traceEvents.filter((e) => e.ph === 'f' && e.cat === 'cuda-flow').map((e) => `${e.pid}/${e.tid}/${e.ts}`));
    const graphs = file.traceEvents.filter((e) => e.cat === 'cuda-graph');
    expect(graphs.every((g) => launches.has(`${g.pid}/${g.tid}/${g.ts}`))).toBe(true);
  });
});

describe('exportTrace (bridge)', () => {
  it('answers the same JSON as the CLI for a window, under a name the desktop save accepts', async () => {
    const service = new TraceService();
    const id = service.add((await openTrace(STREAMS)).model, 'streams.sqlite');
    const r = service.exportTrace(id, { fromMs: 8400, toMs: 8500 });
    expect(r.fileName).toBe('streams_8400-8500ms.trace.json');
    expect(isSaveFileName(r.fileName)).toBe(true);
    expect(r.counts).toMatchObject({ kernel: 42, memcpy: 5, 'cuda-api': 129, nvtx: 2, osrt: 24 });
    expect(r.json).toBe(readFileSync(join(dir, 'win.json'), 'utf8'));
    expect(() => service.exportTrace(id, { fromMs: 5, toMs: 5 })).toThrow(/Empty window/);
  });

  it('names files from any source name with only safe characters', () => {
    for (const n of ['/a/b/run (1).nsys-rep', '..sqlite', 'résumé.sqlite', '.hidden.sqlite']) {
      expect(isSaveFileName(chromeTraceFileName(n))).toBe(true);
      expect(isSaveFileName(chromeTraceFileName(n, { fromMs: -1.5, toMs: 2 }))).toBe(true);
    }
  });
});
