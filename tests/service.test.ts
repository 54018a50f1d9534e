// TraceService details / search / aggregate on the real streams trace (nsys 2025.3, H100).
// Expected figures come from sqlite3 queries on the same file, written next to each assertion
// (the model keeps the file's own timestamps, so sqlite3 values compare directly).
import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { openTrace } from '../src/core/io/open-trace';
import { TraceService } from '../src/core/service/trace-service';

const STREAMS = resolve(__dirname, 'fixtures/nsys-2025.3/streams.sqlite');
let svc: TraceService;
let id: string;

beforeAll(async () => {
  const { model, name } = await openTrace(STREAMS);
  svc = new TraceService();
  id = svc.add(model, name);
});

/** Index of the memcpy that starts at a given time (the model keeps file order). */
function memcpyAt(startNs: number): number {
  const m = svc.model(id).memcpy;
  const i = m.startNs.findIndex((s) => s === startNs);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
}

describe('getEventDetails', () => {
  it("lists a copy's columns with ENUM labels and its API partner", () => {
    // select start, end, bytes, copyKind, srcKind, dstKind, streamId, correlationId from CUPTI_ACTIVITY_KIND_MEMCPY order by start limit 1
    //   → 8143930890|8144541046|33554432|1|1|2|13|753
    const i = memcpyAt(8143930890);
    const d = svc.getEventDetails(id, 'memcpy', i);
    const f = Object.fromEntries(d.fields);
    expect(d.name).toBe('[CUDA memcpy Host-to-Device]');
    expect(d.endNs - d.startNs).toBe(8144541046 - 8143930890);
    expect(f['Direction']).toBe('Host-to-Device');
    expect(f['Bytes']).toBe(33554432);
    expect(f['Source memory']).toBe('Pinned');
    expect(f['Destination memory']).toBe('Device');
    expect(f['Stream']).toBe(13);
    expect(f['Correlation ID']).toBe(753);
    expect(f['Throughput (GB/s)']).toBeCloseTo(33554432 / (8144541046 - 8143930890), 3);
    expect(d.trackId).toBe('gpu/0/34/13/memcpy');
    // runtime row with correlationId 753: 8143886886|8143931230|cudaMemcpyAsync_v3020
    expect(d.partners).toHaveLength(1);
    // named as nsys stats prints it: the _v3020 suffix dropped (the raw name is a field of the call)
    expect(d.partners[0]).toMatchObject({ lane: 'cuda-api', name: 'cudaMemcpyAsync', startNs: 8143886886, endNs: 8143931230 });
    expect(d.partners[0].trackId).toMatch(/^cpu\/34\/\d+\/cuda-api$/);

    const back = svc.getEventDetails(id, 'cuda-api', d.partners[0].index);
    expect(back.partners.map((p) => [p.lane, p.index])).toEqual([['memcpy', i]]);
  });

  it('gives kernels grid, block and demangled name', () => {
    // first kernel: 7397943224|7397984505 grid 1056x1x1 block 256x1x1 corr 679 stream 7
    const k = svc.model(id).kernels;
    const i = k.startNs.findIndex((s) => s === 7397943224);
    const f = Object.fromEntries(svc.getEventDetails(id, 'kernel', i).fields);
    expect(f['Grid']).toBe('1056 × 1 × 1');
    expect(f['Block']).toBe('256 × 1 × 1');
    expect(f['Stream']).toBe(7);
    expect(f['Correlation ID']).toBe(679);
    expect(String(f['Name'])).toMatch(/^void at::native::<unnamed>::distribution_elementwise_grid_stride_kernel<float, \(int\)4,/);
  });

  it('rejects bad lanes and indices with a message', () => {
    expect(() => svc.getEventDetails(id, 'kernel', 151)).toThrow(/No kernel event #151 \(the trace has 151\)/);
    expect(() => svc.getEventDetails(id, 'kernel', -1)).toThrow(/No kernel event/);
    expect(() => svc.getEventDetails(id, 'bogus' as never, 0)).toThrow(/Unknown lane/);
  });
});

describe('search', () => {
  it('finds API calls by substring, in start order', () => {
    // select count(*) from RUNTIME join StringIds where value like '%memcpy%' → 30
    const r = svc.search(id, { text: 'MEMCPYASYNC', regex: false });
    expect(r.total).toBe(30);
    expect(r.hits.every((h) => h.lane === 'cuda-api')).toBe(true);
    for (let k = 1; k < r.hits.length; k++) expect(r.hits[k].startNs).toBeGreaterThanOrEqual(r.hits[k - 1].startNs);
  });

  it('matches copies by their nsys stats name with a regex, and kernels by short or demangled name', () => {
    // select copyKind, count(*) from MEMCPY group by 1 → 1|24, 2|6
    expect(svc.search(id, { text: '^\\[CUDA memcpy Host-to-Device\\]$', regex: true, lanes: ['memcpy'] }).total).toBe(24);
    expect(svc.search(id, { text: 'device-to-host', regex: false }).total).toBe(6);
    // 48 sm80_xmma_gemm kernels (short name); "FillFunctor" appears only in demangled names: 6 kernels
    const gemm = svc.search(id, { text: 'xmma_gemm', regex: false });
    expect(gemm.total).toBe(48);
    expect(gemm.nameIds).toHaveLength(1);
    expect(svc.getStrings(id, gemm.nameIds)[gemm.nameIds[0]]).toMatch(/^sm80_xmma_gemm/);
    const fill = svc.search(id, { text: 'FillFunctor', regex: false });
    expect(fill.total).toBe(6);
    expect(svc.getStrings(id, fill.nameIds)[fill.nameIds[0]]).toBe('vectorized_elementwise_kernel');
  });

  it('limits hits but counts all, and reports bad regexes', () => {
    const r = svc.search(id, { text: 'cuGetProcAddress', regex: false, limit: 10 });
    expect(r.total).toBe(880);
    expect(r.hits).toHaveLength(10);
    expect(() => svc.search(id, { text: '(', regex: true })).toThrow(/Invalid regular expression/);
    expect(svc.search(id, { text: '', regex: false }).total).toBe(0);
  });

  it('names every track holding a match, beyond the listed hits', () => {
    // The 880 cuGetProcAddress calls are all on thread 34 (group by globalTid): 10 listed, one track.
    expect(svc.search(id, { text: 'cuGetProcAddress', regex: false, limit: 10 }).trackIds).toEqual(['cpu/34/34/cuda-api']);
    // 48 xmma_gemm kernels, all on stream 17 (group by streamId).
    expect(svc.search(id, { text: 'xmma_gemm', regex: false }).trackIds).toEqual(['gpu/0/34/17/kernel']);
    // The 6 "step N" ranges of thread 34, and their projection onto GPU 0 (drawn highlighted too,
    // listed once): both rows match.
    const steps = svc.search(id, { text: '^step \\d+$', regex: true });
    expect(steps.total).toBe(6);
    expect(steps.hits.every((h) => h.lane === 'nvtx')).toBe(true);
    expect(steps.trackIds).toEqual(['gpu/0/34/nvtx-gpu', 'cpu/34/34/nvtx']);
  });
});

describe('aggregate', () => {
  it('sums kernels overlapping a window per name', () => {
    // select count(*), sum(end-start) from KERNEL where end >= 7.5e9 and start <= 8.5e9 → 44|40999752
    const kernelTracks = svc
      .getTraceInfo(id)
      .tracks.filter((t) => t.lane === 'kernel')
      .map((t) => t.id);
    const rows = svc.aggregate(id, 7.5e9, 8.5e9, kernelTracks);
    expect(rows.reduce((s, r) => s + r.count, 0)).toBe(44);
    expect(rows.reduce((s, r) => s + r.totalNs, 0)).toBe(40999752);
    // gemm in the window: 15 | 39749551 | min 2645108 | max 2658517 — the largest row
    expect(rows[0]).toMatchObject({ lane: 'kernel', count: 15, totalNs: 39749551, minNs: 2645108, maxNs: 2658517 });
    expect(rows[0].name).toMatch(/^sm80_xmma_gemm/);
    expect(rows[0].avgNs).toBeCloseTo(39749551 / 15, 6);
  });

  it('covers every track by default and validates input', () => {
    const all = svc.aggregate(id, 8143930890, 8143930891);
    expect(all.find((r) => r.lane === 'memcpy')).toMatchObject({
      name: '[CUDA memcpy Host-to-Device]',
      count: 1,
      totalNs: 8144541046 - 8143930890,
    });
    expect(() => svc.aggregate(id, 5, 5)).toThrow(/t1 must be greater/);
    expect(() => svc.aggregate(id, 0, 1, ['nope'])).toThrow(/Unknown track/);
  });
});

describe('slices carry copy names', () => {
  it('names memcpy slices by direction', () => {
    const [s] = svc.getSlices(id, [{ trackId: 'gpu/0/34/13/memcpy', t0: 0, t1: 9815062162, widthPx: 16384 }]);
    expect(s.count).toBe(24);
    const names = svc.getStrings(id, [...new Set(s.nameId)]);
    expect(Object.values(names)).toEqual(['[CUDA memcpy Host-to-Device]']);
  });
});
