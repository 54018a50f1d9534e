/**
 * The desktop trace worker's first-frame hold (issue 15): this worker both reads the CPU rows and
 * answers the page, between table reads only, so once the page is there the build waits for its
 * first slices before reading the CPU tables. Driven in-process through the worker's handler on
 * the real streams.sqlite (nsys 2025.3), with the hold's limits shortened or lengthened per case.
 */
import { describe, expect, it } from 'vitest';
import type { FromWorker, ToWorker } from '../../src/main/worker/protocol';
import { createWorkerHandler } from '../../src/main/worker/handler';
import type { TraceInfo } from '../../src/core/service/types';
import { requireFile, tracePath } from '../helpers/paths';

const streams = requireFile(tracePath('tests/fixtures/nsys-2025.3/streams.sqlite'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function worker(limits: { firstFrameHoldMaxMs: number; firstFrameQuietMs: number }) {
  const got: { at: number; msg: FromWorker }[] = [];
  const t0 = performance.now();
  const handler = createWorkerHandler({ postMessage: (msg) => got.push({ at: performance.now() - t0, msg }) }, limits);
  const flag = new SharedArrayBuffer(4);
  const waitFor = async (pred: (m: FromWorker) => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = got.find((g) => pred(g.msg));
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`timed out; got ${got.map((g) => g.msg.type).join(', ')}`);
      await sleep(5);
    }
  };
  let callId = 0;
  const call = async (method: Extract<ToWorker, { type: 'call' }>['method'], args: unknown[]) => {
    const id = ++callId;
    void handler.handle({ type: 'call', callId: id, method, args });
    const r = await waitFor((m) => m.type === 'result' && m.callId === id);
    return r.msg.type === 'result' && r.msg.result.ok ? r.msg.result.value : undefined;
  };
  const open = async (pageWaiting: boolean) => {
    void handler.handle({ type: 'open', path: streams, cancelFlag: flag, ...(pageWaiting ? { pageWaiting: true } : {}) });
    const o = await waitFor((m) => m.type === 'opened' || m.type === 'open-failed');
    if (o.msg.type !== 'opened') throw new Error(JSON.stringify(o.msg));
    expect(o.msg.loading).toBe(true);
    return { id: o.msg.workerTraceId, at: o.at };
  };
  const loaded = () => got.find((g) => g.msg.type === 'loaded' || g.msg.type === 'load-failed');
  return { got, call, open, loaded, waitFor, cancel: () => Atomics.store(new Int32Array(flag), 0, 1) };
}

describe('first-frame hold of the desktop trace worker', () => {
  it('a page already waiting (the spare window) gets its first slices before the CPU rows are read', async () => {
    const w = worker({ firstFrameHoldMaxMs: 60_000, firstFrameQuietMs: 50 });
    const { id } = await w.open(true);
    // Without the hold the rest of this small trace is read in well under a second.
    await sleep(1500);
    expect(w.loaded()).toBeUndefined();
    const info = (await w.call('getTraceInfo', [id])) as TraceInfo;
    const kernelRows = info.tracks.filter((t) => t.lane === 'kernel');
    expect(kernelRows.length).toBeGreaterThan(0);
    expect(w.loaded()).toBeUndefined();
    const slices = await w.call('getSlices', [
      id,
      kernelRows.map((t) => ({ trackId: t.id, t0: info.firstEventNs, t1: info.lastEventNs, widthPx: 800 })),
    ]);
    expect(Array.isArray(slices)).toBe(true);
    const answeredAt = w.got.findIndex((g) => g.msg.type === 'result' && g.msg.callId === 2);
    const end = await w.waitFor((m) => m.type === 'loaded');
    expect(w.got.indexOf(end)).toBeGreaterThan(answeredAt);
  }, 30_000);

  it('with no page seen (a new window still loading its page) the build does not wait', async () => {
    const w = worker({ firstFrameHoldMaxMs: 60_000, firstFrameQuietMs: 50 });
    const { at } = await w.open(false);
    const end = await w.waitFor((m) => m.type === 'loaded', 10_000);
    expect(end.at - at).toBeLessThan(10_000);
  }, 30_000);

  it('a page that never asks for slices holds the CPU rows only up to the limit', async () => {
    const w = worker({ firstFrameHoldMaxMs: 400, firstFrameQuietMs: 50 });
    const { at } = await w.open(true);
    const end = await w.waitFor((m) => m.type === 'loaded', 10_000);
    expect(end.at - at).toBeGreaterThanOrEqual(390);
  }, 30_000);

  it('Cancel during the hold ends the open at once', async () => {
    const w = worker({ firstFrameHoldMaxMs: 60_000, firstFrameQuietMs: 50 });
    await w.open(true);
    await sleep(100);
    const t = Date.now();
    w.cancel();
    const end = await w.waitFor((m) => m.type === 'load-failed', 5_000);
    expect(end.msg).toMatchObject({ type: 'load-failed', code: 'cancelled' });
    expect(Date.now() - t).toBeLessThan(2_000);
  }, 30_000);
});
