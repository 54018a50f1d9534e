import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeMemOps } from '../../src/core/analysis/memcpy';
import { openTrace } from '../../src/core/io/open-trace';
import type { TraceModel } from '../../src/core/model/types';
import { decodeMessage, encodeMessage } from '../../src/core/service/wire-codec';
import { TraceService } from '../../src/core/service/trace-service';
import type { MemOpsView } from '../../src/shared/bridge';
import { validateArgs } from '../../src/shared/bridge-table';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');

let m: TraceModel;
let service: TraceService;
let id: string;
beforeAll(async () => {
  m = (await openTrace(STREAMS)).model;
  service = new TraceService();
  id = service.add(m, 'streams.sqlite');
});

describe('TraceService.getMemOps (memcpy panel)', () => {
  it('answers the whole trace, with API and neighbour-kernel names, across the wire codec', () => {
    const v = decodeMessage(encodeMessage(service.getMemOps(id, null)).buffer as ArrayBuffer) as MemOpsView;
    expect(v.table.count).toBe(30);
    expect(v.totalInTrace).toBe(30);
    expect(v.table.gpuStartNs).toBeInstanceOf(Float64Array);
    expect(v.table.op).toBeInstanceOf(Uint8Array);
    const api = new Set(Array.from(v.table.apiNameId, (nid) => v.strings[nid]));
    expect([...api].every((n) => /^cudaMemcpy/.test(n))).toBe(true);
    const named = Array.from(v.prevKernelNameId).filter((nid) => nid >= 0);
    expect(named.length).toBeGreaterThan(0);
    for (const nid of named) expect(v.strings[nid]).toBe(m.strings[nid]);
    const pinned = v.aggregates.find((g) => g.srcKind === 'Pinned')!;
    const pageable = v.aggregates.find((g) => g.srcKind === 'Pageable')!;
    expect(pageable.gbps).toBeLessThan(pinned.gbps);
  });

  it('filters by window and matches analyzeMemOps', () => {
    const t0 = 8_440_000_000;
    const t1 = 8_540_000_000;
    const v = service.getMemOps(id, { t0, t1 });
    expect(v.table.count).toBe(analyzeMemOps(m, { t0Ns: t0, t1Ns: t1 }).count);
    expect(v.table.count).toBe(9);
  });

  it('rejects bad windows and bad arguments with a message', () => {
    expect(() => service.getMemOps(id, { t0: 5, t1: 5 })).toThrow(/t1 must be greater than t0/);
    expect(() => service.getMemOps('nope', null)).toThrow(/Unknown trace id/);
    expect(() => validateArgs('getMemOps', [id, { t0: 1 }])).toThrow(/t1/);
    expect(validateArgs('getMemOps', [id, null])).toEqual([id, null]);
  });
});
