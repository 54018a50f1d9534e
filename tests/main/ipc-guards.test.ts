import { describe, expect, it } from 'vitest';
import { routeBridgeCall, toPageValue } from '../../src/main/logic/ipc-guards';
import { TraceRegistry, stateMessage } from '../../src/main/logic/trace-registry';
import { BRIDGE_METHODS } from '../../src/shared/bridge';
import { IPC, hasTraceExtension, isBridgeCall, isCancelOpen, isDroppedFile, isOpaqueId, isOpenProgressEvent } from '../../src/shared/ipc';

function registry() {
  let n = 0;
  const r = new TraceRegistry(() => `id${++n}`);
  const a = r.add(1, '/traces/a.sqlite', 'a.sqlite'); // openId id1, traceId id2
  const b = r.add(2, '/traces/b.nsys-rep', 'b.nsys-rep'); // openId id3, traceId id4
  r.setState(1, { kind: 'ready', workerTraceId: 't1' });
  r.setState(2, { kind: 'ready', workerTraceId: 't1' });
  return { r, a, b };
}

describe('IPC payload guards', () => {
  it('channel names are unique and namespaced', () => {
    const names = Object.values(IPC);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^nsys:[a-z-]+$/);
  });

  it('isBridgeCall: exactly { method, args } naming a bridge method', () => {
    for (const m of BRIDGE_METHODS) expect(isBridgeCall({ method: m, args: [] })).toBe(true);
    const bad: unknown[] = [
      undefined,
      null,
      'listTraces',
      [],
      { method: 'listTraces' },
      { method: 'listTraces', args: 'x' },
      { method: 'constructor', args: [] },
      { method: '__proto__', args: [] },
      { method: 'toString', args: [] },
      { method: 'add', args: [] },
      { method: 'remove', args: ['t1'] },
      { method: 'model', args: ['t1'] }, // TraceService internals
      { method: 'listTraces', args: [], extra: 1 },
      { method: 'listTraces', args: new Array(9).fill(0) },
      JSON.parse('{"method":"listTraces","args":[],"__proto__":{"x":1}}'),
      Object.assign(Object.create({ evil: 1 }), { method: 'listTraces', args: [] }),
      new (class {
        method = 'listTraces';
        args = [];
      })(),
    ];
    for (const v of bad) expect(isBridgeCall(v), JSON.stringify(v)?.slice(0, 60)).toBe(false);
  });

  it('ids, cancel, dropped files', () => {
    expect(isOpaqueId('0f3a9c')).toBe(true);
    for (const v of ['', 'a'.repeat(129), '../t1', 't1\0', 't 1', 5, null, {}]) expect(isOpaqueId(v)).toBe(false);
    expect(isCancelOpen({ openId: 'abc' })).toBe(true);
    expect(isCancelOpen({ openId: 'abc', path: '/etc/passwd' })).toBe(false);
    expect(isDroppedFile({ path: '/home/ana/run.nsys-rep' })).toBe(true);
    for (const v of [
      { path: '' },
      { path: 'x'.repeat(40_000) },
      { path: '/a\0.sqlite' },
      { path: 1 },
      { path: '/a.sqlite', x: 1 },
      '/a.sqlite',
    ]) {
      expect(isDroppedFile(v)).toBe(false);
    }
    expect(['a.nsys-rep', 'A.NSYS-REP', 'b.qdrep', 'c.sqlite'].every(hasTraceExtension)).toBe(true);
    expect(['a.sqlite3', 'a.db', 'nsys-rep', '.sqlite', '/dir/.qdrep', 'a.sqlite.exe', '../../etc/passwd'].some(hasTraceExtension)).toBe(
      false,
    );
  });

  it('isOpenProgressEvent: what the preload lets through to the page', () => {
    const ok = { openId: 'o1', name: 'a.sqlite', phase: 'kernels', fraction: 0.4, state: 'loading' };
    expect(isOpenProgressEvent(ok)).toBe(true);
    expect(isOpenProgressEvent({ ...ok, state: 'done', traceId: 'abc' })).toBe(true);
    for (const v of [
      { ...ok, fraction: 1.5 },
      { ...ok, fraction: NaN },
      { ...ok, state: 'weird' },
      { ...ok, traceId: '../x' },
      { ...ok, error: 7 },
      { ...ok, name: 'x'.repeat(2000) },
      null,
    ]) {
      expect(isOpenProgressEvent(v)).toBe(false);
    }
  });
});

describe('routeBridgeCall', () => {
  it('translates the page id to the worker id, for the window that owns it', () => {
    const { r, a } = registry();
    const routed = routeBridgeCall({ method: 'getSlices', args: [a.traceId, [{ trackId: 'gpu0', t0: 0, t1: 1e9, widthPx: 800 }]] }, 1, r);
    expect(routed).toEqual({
      ok: true,
      value: expect.objectContaining({
        kind: 'call',
        method: 'getSlices',
        args: ['t1', [{ trackId: 'gpu0', t0: 0, t1: 1e9, widthPx: 800 }]],
      }),
    });
    expect(routeBridgeCall({ method: 'listTraces', args: [] }, 1, r)).toEqual({ ok: true, value: { kind: 'list' } });
  });

  it("one window cannot read another window's trace, nor guess ids", () => {
    const { r, b } = registry();
    for (const id of [b.traceId, 't1', 'id1', '', '__proto__', 'constructor', '../../etc/passwd', 'x'.repeat(5000)]) {
      const res = routeBridgeCall({ method: 'getTraceInfo', args: [id] }, 1, r);
      expect(res.ok, id.slice(0, 20)).toBe(false);
      if (!res.ok) expect(res.error).toMatch(/Unknown trace id|must be a string/);
    }
    expect(routeBridgeCall({ method: 'getTraceInfo', args: ['id2'] }, 99, r).ok).toBe(false); // a window with no trace
  });

  it('argument types are checked before anything reaches the worker', () => {
    const { r, a } = registry();
    const bad: [unknown, RegExp][] = [
      [{ method: 'getSlices', args: [a.traceId, 'all'] }, /must be an array/],
      [{ method: 'getSlices', args: [a.traceId, [{ trackId: 'g', t0: 0, t1: 1, widthPx: 1.5 }]] }, /must be an integer/],
      [{ method: 'getSlices', args: [a.traceId, [{ trackId: 'g', t0: 0, t1: 1, widthPx: 1, __proto__x: 1 }]] }, /unexpected field/],
      [{ method: 'getStrings', args: [a.traceId, new Array(100_001).fill(1)] }, /≤ 100000 items/],
      [{ method: 'getBusyProfile', args: [a.traceId, ['g'], 0, Infinity, 10] }, /finite number/],
      [{ method: 'search', args: [a.traceId, { text: 'x'.repeat(5000), regex: false }] }, /≤ 4096 characters/],
      [{ method: 'getEventDetails', args: [a.traceId, 'kernel'] }, /takes 3 argument/],
      [{ method: 'aggregate', args: [{ traceId: a.traceId }, 0, 1] }, /must be a string/],
      [{ method: 'eval', args: [] }, /Malformed bridge call/],
    ];
    for (const [payload, re] of bad) {
      const res = routeBridgeCall(payload, 1, r);
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error).toMatch(re);
    }
  });

  it('a trace still opening, failed or cancelled answers why, with its name only', () => {
    let n = 0;
    const r = new TraceRegistry(() => `id${++n}`);
    const e = r.add(5, '/secret/dir/run.nsys-rep', 'run.nsys-rep');
    const call = { method: 'getTraceInfo', args: [e.traceId] };
    expect(routeBridgeCall(call, 5, r)).toEqual({ ok: false, error: 'run.nsys-rep is still opening.' });
    r.setState(5, { kind: 'failed', error: 'run.nsys-rep needs nsys (looked in PATH).' });
    expect(routeBridgeCall(call, 5, r)).toEqual({ ok: false, error: 'run.nsys-rep needs nsys (looked in PATH).' });
    r.setState(5, { kind: 'cancelled' });
    const res = routeBridgeCall(call, 5, r);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error).not.toContain('/secret');
    expect(stateMessage(e)).toMatch(/was cancelled/);
  });
});

describe('TraceRegistry', () => {
  it('one file opens once: the second request focuses the window showing it; closed or failed windows free it', () => {
    const { r, a } = registry();
    expect(r.windowOfPath(a.path)).toBe(1);
    expect(r.windowOfPath('/traces/other.sqlite')).toBeUndefined();
    r.setState(1, { kind: 'failed', error: 'x' });
    expect(r.windowOfPath(a.path)).toBeUndefined();
    expect(r.remove(2)?.name).toBe('b.nsys-rep');
    expect(r.windowOfPath('/traces/b.nsys-rep')).toBeUndefined();
  });

  it('cancel names an open of the same window that is still loading', () => {
    let n = 0;
    const r = new TraceRegistry(() => `id${++n}`);
    const e = r.add(3, '/x.sqlite', 'x.sqlite');
    expect(r.loadingOpen(3, e.openId)).toBe(e);
    expect(r.loadingOpen(4, e.openId)).toBeUndefined();
    expect(r.loadingOpen(3, e.traceId)).toBeUndefined();
    r.setState(3, { kind: 'ready', workerTraceId: 't1' });
    expect(r.loadingOpen(3, e.openId)).toBeUndefined();
  });

  it("a window's compare trace is reachable from that window only, and compareTraces checks both ids", () => {
    const { r, a, b } = registry();
    // Window 1 adds a compare trace (openId id5, traceId id6); it answers only once open.
    const added = r.addCompare(1, '/traces/c.sqlite', 'c.sqlite');
    if (!added.ok) throw new Error(added.error);
    const c = added.value;
    const cmp = (w: number, x: string, y: string) => routeBridgeCall({ method: 'compareTraces', args: [x, y] }, w, r);
    expect(cmp(1, a.traceId, c.traceId)).toEqual({ ok: false, error: 'c.sqlite is still opening.' });
    expect(r.addCompare(1, '/traces/d.sqlite', 'd.sqlite')).toEqual({
      ok: false,
      error: 'c.sqlite is still opening to compare; wait for it.',
    });
    r.setCompareState(1, c.openId, { kind: 'ready', workerTraceId: 't2' });
    expect(cmp(1, a.traceId, c.traceId)).toMatchObject({ ok: true, value: { args: ['t1', 't2'], entry: { traceId: a.traceId } } });
    expect(routeBridgeCall({ method: 'getTraceInfo', args: [c.traceId] }, 1, r)).toMatchObject({
      ok: true,
      value: { args: ['t2'], entry: { traceId: c.traceId, name: 'c.sqlite' } },
    });
    // Window 2 knows none of window 1's ids, in either position.
    const unknown = (id: string) => ({ ok: false, error: `Unknown trace id "${id}". Open the trace again.` });
    expect(routeBridgeCall({ method: 'getTraceInfo', args: [c.traceId] }, 2, r)).toEqual(unknown(c.traceId));
    expect(cmp(2, b.traceId, c.traceId)).toEqual(unknown(c.traceId));
    expect(cmp(2, b.traceId, a.traceId)).toEqual(unknown(a.traceId));
    expect(cmp(1, a.traceId, b.traceId)).toEqual(unknown(b.traceId));
    // Not before the window's own trace is open, not the same file again, not in a window without a trace.
    expect(r.addCompare(1, a.path, 'a.sqlite')).toEqual({
      ok: false,
      error: 'a.sqlite is the trace this window shows: choose another one to compare with.',
    });
    expect(r.addCompare(9, '/traces/c.sqlite', 'c.sqlite').ok).toBe(false);
    r.setState(2, { kind: 'failed', error: 'x' });
    expect(r.addCompare(2, '/traces/c.sqlite', 'c.sqlite').ok).toBe(false);
    // A later compare open replaces the earlier one; the earlier one's late answer changes nothing.
    const d = r.addCompare(1, '/traces/d.sqlite', 'd.sqlite');
    if (!d.ok) throw new Error(d.error);
    r.setCompareState(1, c.openId, { kind: 'failed', error: 'late' });
    expect(d.value.state).toEqual({ kind: 'loading' });
    expect(routeBridgeCall({ method: 'getTraceInfo', args: [c.traceId] }, 1, r)).toEqual(unknown(c.traceId));
  });

  it('the page never sees the worker id', () => {
    expect(toPageValue('getTraceInfo', { traceId: 't1', name: 'a.sqlite' }, 'abc')).toEqual({ traceId: 'abc', name: 'a.sqlite' });
    expect(toPageValue('getStrings', { 1: 'x' }, 'abc')).toEqual({ 1: 'x' });
  });
});
