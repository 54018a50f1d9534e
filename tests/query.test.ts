import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import { buildCorrelation } from '../src/core/model/correlation';
import type { TraceModel } from '../src/core/model/types';
import { busyProfile, lodSlices } from '../src/core/query/lod';
import { eventsInRange } from '../src/core/query/range';

const STREAMS = resolve(__dirname, 'fixtures/nsys-2025.3/streams.sqlite');
const MULTIPROC = resolve(__dirname, 'fixtures/nsys-2025.3/multiproc.sqlite');
const sql = (file: string, q: string) => execFileSync('sqlite3', [file, q], { encoding: 'utf8' }).trim();

let m: TraceModel;
beforeAll(async () => {
  m = (await openTrace(STREAMS)).model;
});

describe('eventsInRange', () => {
  it('returns the events overlapping a window, as sqlite3 counts them', () => {
    const track = m.tracks.find((t) => t.id === 'gpu/0/34/17/kernel')!;
    const [t0, t1] = [8_400_000_000, 8_500_000_000];
    const expected = Number(
      sql(STREAMS, `SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE streamId=17 AND end >= ${t0} AND start <= ${t1}`),
    );
    const got = eventsInRange(m, track, t0, t1);
    expect(got.length).toBe(expected);
    for (let k = 1; k < got.length; k++) expect(m.kernels.startNs[got[k]]).toBeGreaterThanOrEqual(m.kernels.startNs[got[k - 1]]);
  });

  it('finds a long event that started before the window', () => {
    const track = m.tracks.find((t) => t.id === 'gpu/0/34/17/kernel')!;
    const i = track.indices[0];
    const mid = (m.kernels.startNs[i] + m.kernels.endNs[i]) / 2;
    expect(Array.from(eventsInRange(m, track, mid, mid + 1))).toContain(i);
  });
});

describe('lodSlices', () => {
  it('merges sub-pixel events per pixel without losing any', () => {
    for (const track of m.tracks) {
      const { sessionStartNs: t0, sessionEndNs: t1 } = m.meta;
      const widthPx = 200;
      const lod = lodSlices(m, track, t0, t1, widthPx);
      const total = lod.eventCount.reduce((s, c) => s + c, 0);
      expect(total, track.id).toBe(eventsInRange(m, track, t0, t1).length);
      expect(lod.count, track.id).toBeLessThanOrEqual(2 * widthPx * track.depthCount + 2);
      for (let k = 0; k < lod.count; k++) {
        expect(lod.endNs[k]).toBeGreaterThanOrEqual(lod.startNs[k]);
        expect(lod.busy[k]).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('keeps every event separate when zoomed in far enough', () => {
    const track = m.tracks.find((t) => t.id === 'gpu/0/34/13/memcpy')!;
    const a = m.memcpy.startNs[track.indices[0]];
    const b = m.memcpy.endNs[track.indices[1]];
    const lod = lodSlices(m, track, a, b, 4000);
    expect(lod.count).toBe(2);
    expect(Array.from(lod.eventCount)).toEqual([1, 1]);
    expect(lod.repIndex[0]).toBe(track.indices[0]);
  });

  it('names merged slices after their longest event', () => {
    const track = m.tracks.find((t) => t.id === 'gpu/0/34/17/kernel')!;
    const lod = lodSlices(m, track, m.meta.sessionStartNs, m.meta.sessionEndNs, 10);
    for (let k = 0; k < lod.count; k++) expect(m.strings[lod.nameId[k]].length).toBeGreaterThan(0);
  });
});

describe('busyProfile', () => {
  it('sums to the busy time of the stream', () => {
    const track = m.tracks.find((t) => t.id === 'gpu/0/34/17/kernel')!;
    const t0 = m.meta.sessionStartNs;
    const t1 = m.meta.sessionEndNs;
    const widthPx = 1000;
    const prof = busyProfile(m, [track], t0, t1, widthPx);
    const busyNs = prof.reduce((s, v) => s + v, 0) * ((t1 - t0) / widthPx);
    const expected = Number(sql(STREAMS, 'SELECT sum(end - start) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE streamId=17'));
    // Kernels on one stream do not overlap, so the clamped per-pixel sum is the total busy time.
    expect(Math.abs(busyNs - expected) / expected).toBeLessThan(1e-6);
  });
});

describe('correlation', () => {
  it('pairs every memcpy of the streams trace with its API call', () => {
    const c = buildCorrelation(m);
    for (let i = 0; i < m.memcpy.count; i++) {
      const a = c.apiOf('memcpy', i);
      expect(a).toBeGreaterThanOrEqual(0);
      expect(m.api.correlationId[a]).toBe(m.memcpy.correlationId[i]);
      expect(m.strings[m.api.nameId[a]]).toMatch(/^cuda(Memcpy|MemcpyAsync)/);
      expect(c.gpuOf(a)).toContainEqual({ lane: 'memcpy', index: i });
    }
  });

  it('never pairs GPU work with another process (multiproc: same correlation ids in two processes)', async () => {
    const mp = (await openTrace(MULTIPROC)).model;
    const c = buildCorrelation(mp);
    let paired = 0;
    for (let i = 0; i < mp.kernels.count; i++) {
      const a = c.apiOf('kernel', i);
      if (a < 0) continue;
      paired++;
      expect(mp.threads[mp.api.threadIndex[a]].pid).toBe(mp.kernels.pid[i]);
    }
    expect(paired).toBe(mp.kernels.count);
    // The ambiguity is real in this file: correlation ids repeat across the two processes.
    const dupes = Number(
      sql(
        MULTIPROC,
        'SELECT count(*) FROM (SELECT correlationId FROM CUPTI_ACTIVITY_KIND_KERNEL GROUP BY correlationId HAVING count(DISTINCT globalPid) > 1)',
      ),
    );
    expect(dupes).toBeGreaterThan(0);
  });
});
