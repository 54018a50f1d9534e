import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import { buildCorrelation } from '../src/core/model/correlation';
import type { TraceModel } from '../src/core/model/types';
import { eventDetails } from '../src/core/service/details';
import { searchEvents } from '../src/core/service/search';
import { toCsv } from '../src/core/stats/format';
import { runStatsReport } from '../src/core/stats/run-stats';
import { STATS_REPORT_NAMES } from '../src/core/stats/types';
import { requireFile, tracePath } from './helpers/paths';

/**
 * defaults_streams: `nsys profile python3 streams.py` with nsys 2025.3.1's own defaults (H200), so
 * CPU sampling, context switches and OS runtime backtraces are on. Expected figures from sqlite3:
 *   SELECT count(*) FROM COMPOSITE_EVENTS                                            → 4158 samples
 *   COMPOSITE_EVENTS id 1: start 670715757, pid 701, tid 744, 5 frames, leaf blas_thread_server
 *   SCHED_EVENTS, per thread in start order: 835 switch-ins each followed by a switch-out, 9663449386 ns
 *     running together; no thread starts with a switch-out or ends switched in
 *   OSRT_API with callchainId 1: a read on thread 701, 69562484..69648374, 32 frames, leaf __read
 */
const FILE = tracePath('shared:defaults_streams.sqlite');
let model: TraceModel;
beforeAll(async () => {
  model = (await openTrace(requireFile(FILE))).model;
}, 60_000);

const field = (fields: [string, string | number][], k: string) => fields.find(([n]) => n === k)?.[1];

describe("CPU samples, thread states and OS runtime call stacks (nsys's default options)", () => {
  it('reads every sample onto its thread with its call stack', () => {
    expect(model.samples.count).toBe(4158);
    const i = model.samples.id.indexOf(1);
    expect(model.samples.startNs[i]).toBe(670715757);
    expect(model.samples.endNs[i]).toBe(670715757);
    const th = model.threads[model.samples.threadIndex[i]];
    expect([th.pid, th.tid]).toEqual([701, 744]);
    const track = model.tracks.find((t) => t.id === 'cpu/701/744/sample');
    expect(track?.lane).toBe('sample');
    let onTracks = 0;
    for (const t of model.tracks) if (t.lane === 'sample') onTracks += t.indices.length;
    expect(onTracks).toBe(4158);

    const d = eventDetails(model, buildCorrelation(model), 'sample', i);
    expect(d.name).toBe('blas_thread_server');
    const stack = String(field(d.fields, 'Call stack')).split('\n');
    expect(stack).toHaveLength(5);
    expect(stack[0]).toBe('blas_thread_server (libscipy_openblas64_-61654e39.so)');
    expect(stack[4]).toBe('[Broken backtraces] ([Broken backtraces])');
    expect(field(d.fields, 'Thread state')).toBe('Running');
  });

  it('finds samples by the function they were in', () => {
    const r = searchEvents(model, { text: 'blas_thread_server', regex: false, lanes: ['sample'] });
    expect(r.total).toBeGreaterThan(0);
    expect(r.hits.every((h) => h.lane === 'sample' && h.trackId.endsWith('/sample'))).toBe(true);
  });

  it('turns context switches into running intervals per thread', () => {
    const t = model.threadStates;
    expect(t.count).toBe(835);
    let sum = 0;
    for (let i = 0; i < t.count; i++) sum += t.endNs[i] - t.startNs[i];
    expect(sum).toBe(9663449386);
    expect(model.tracks.filter((x) => x.lane === 'sched').reduce((n, x) => n + x.indices.length, 0)).toBe(835);
    expect(eventDetails(model, buildCorrelation(model), 'sched', 0).name).toBe('[Running]');
  });

  it('shows an OS runtime call with its backtrace', () => {
    const o = model.osrt;
    const i = o.callchainId.indexOf(1);
    expect([o.startNs[i], o.endNs[i]]).toEqual([69562484, 69648374]);
    const d = eventDetails(model, buildCorrelation(model), 'osrt', i);
    expect(d.name).toBe('read');
    const stack = String(field(d.fields, 'Call stack')).split('\n');
    expect(stack).toHaveLength(32);
    expect(stack.slice(0, 2)).toEqual(['__read (libc.so.6)', '_Py_read (python3.12)']);
  });

  it("leaves the nsys stats reports equal to NVIDIA's", () => {
    for (const report of STATS_REPORT_NAMES) {
      const expected = readFileSync(tracePath(`shared:nsys-stats/defaults_streams_${report}.csv`), 'utf8');
      expect(toCsv(runStatsReport(model, report)), report).toBe(expected);
    }
  });
});
