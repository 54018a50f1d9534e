// ns-exact times, launch latency / queue time and API names in event details, on the real streams
// trace (nsys 2025.3, H100); expected figures from sqlite3 queries on the same file, beside each assertion.
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import { TraceService } from '../src/core/service/trace-service';
import { formatNsExact } from '../src/core/util/format';

const STREAMS = resolve(__dirname, 'fixtures/nsys-2025.3/streams.sqlite');
const NNBSP = '\u202f';
let svc: TraceService;
let id: string;

beforeAll(async () => {
  const { model, name } = await openTrace(STREAMS);
  svc = new TraceService();
  id = svc.add(model, name);
});

const fieldsOf = (lane: 'kernel' | 'memcpy' | 'cuda-api', i: number) => Object.fromEntries(svc.getEventDetails(id, lane, i).fields);

describe('formatNsExact', () => {
  it('keeps every ns in the unit that reads best', () => {
    expect(formatNsExact(3104)).toBe('3.104 µs');
    expect(formatNsExact(25011234567)).toBe(`25.011${NNBSP}234${NNBSP}567 s`);
    expect(formatNsExact(29654535)).toBe(`29.654${NNBSP}535 ms`);
    expect(formatNsExact(1500000000)).toBe('1.500 s');
    expect(formatNsExact(8143930000)).toBe(`8.143${NNBSP}930 s`);
    expect(formatNsExact(812)).toBe('812 ns');
    expect(formatNsExact(0)).toBe('0 ns');
    expect(formatNsExact(-44004)).toBe('-44.004 µs');
  });
});

describe('event details timing', () => {
  it('a copy: exact start/end/duration and its launch latency, not queued (first op on stream 13)', () => {
    // memcpy 8143930890|8144541046 on stream 13, launched by the runtime call starting 8143886886;
    // no kernel or copy on stream 13 starts before it.
    const m = svc.model(id).memcpy;
    const f = fieldsOf(
      'memcpy',
      m.startNs.findIndex((s) => s === 8143930890),
    );
    expect(f['Start']).toBe(`8.143${NNBSP}930${NNBSP}890 s`);
    expect(f['End']).toBe(`8.144${NNBSP}541${NNBSP}046 s`);
    expect(f['Duration']).toBe(`610.156 µs`);
    expect(f['Launch latency (ns)']).toBe(8143930890 - 8143886886);
    expect(f['Launch latency']).toBe('44.004 µs');
    expect(f['Queued behind stream (ns)']).toBe(0);
  });

  it('a kernel that waited for its stream: most of its latency is queue time', () => {
    // kernel 8687265569 on stream 17, its launch call started 8666094679; the previous op on
    // stream 17 ended 8687264385 → latency 21170890 ns, queued 21169706 ns.
    const k = svc.model(id).kernels;
    const f = fieldsOf(
      'kernel',
      k.startNs.findIndex((s) => s === 8687265569),
    );
    expect(f['Launch latency (ns)']).toBe(21170890);
    expect(f['Queued behind stream (ns)']).toBe(21169706);
    expect(f['Queued behind stream']).toBe(`21.169${NNBSP}706 ms`);
  });

  it('API calls read without their version suffix, the raw name kept', () => {
    // runtime row 8143886886|8143931230 is cudaMemcpyAsync_v3020
    const api = svc.model(id).api;
    const i = api.startNs.findIndex((s) => s === 8143886886);
    const d = svc.getEventDetails(id, 'cuda-api', i);
    expect(d.name).toBe('cudaMemcpyAsync');
    const f = Object.fromEntries(d.fields);
    expect(f['Name']).toBe('cudaMemcpyAsync');
    expect(f['Raw name']).toBe('cudaMemcpyAsync_v3020');
    expect(f['Launch latency']).toBeUndefined();
  });
});

describe('search hits carry their names', () => {
  it('every hit is named from the model, API calls as nsys stats names them', () => {
    // select count(*) from RUNTIME join StringIds where value like '%memcpyasync%' → 30
    const r = svc.search(id, { text: 'MEMCPYASYNC', regex: false });
    expect(r.total).toBe(30);
    expect(new Set(r.hits.map((h) => h.name))).toEqual(new Set(['cudaMemcpyAsync']));
    // kernels by short name; the first sm80_xmma_gemm on stream 17 starts 8349603188
    const k = svc.search(id, { text: 'sm80_xmma', regex: false });
    expect(k.hits[0].name).toMatch(/^sm80_xmma_gemm_f32f32_f32f32_f32_nn_n_tilesize256x128x8/);
    expect(k.hits.every((h) => h.name.startsWith('sm80_xmma'))).toBe(true);
  });
});

describe('range aggregates clip to the range', () => {
  it('an 80 ms selection inside NVTX "step 0" counts 80 ms of it, and cuts the kernel at its edge', () => {
    // [8350000000, 8430000000]: sqlite3 on NVTX_EVENTS → 1 | sum(end-start) 318039258 | clipped 80000000;
    // on CUPTI_ACTIVITY_KIND_KERNEL → 25 | 21923312 | clipped sum(min(end,t1)-max(start,t0)) 21526500
    const rows = svc.aggregate(id, 8350000000, 8430000000);
    expect(rows.find((r) => r.lane === 'nvtx')).toMatchObject({ name: 'step 0', count: 1, totalNs: 318039258, inRangeNs: 80000000 });
    const kernels = rows.filter((r) => r.lane === 'kernel');
    expect(kernels.reduce((s, r) => s + r.count, 0)).toBe(25);
    expect(kernels.reduce((s, r) => s + r.totalNs, 0)).toBe(21923312);
    expect(kernels.reduce((s, r) => s + r.inRangeNs, 0)).toBe(21526500);
  });
});
