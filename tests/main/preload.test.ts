/**
 * The preload with a stand-in for Electron's renderer modules: what it exposes to the page, and that
 * nothing of ipcRenderer (or an IPC event) leaks through.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { DesktopBridge } from '../../src/shared/bridge';
import { BRIDGE_METHODS } from '../../src/shared/bridge';
import { IPC } from '../../src/shared/ipc';

const exposed: Record<string, unknown> = {};
const invoked: [string, unknown][] = [];
const sent: [string, unknown[]][] = [];
const listeners = new Map<string, ((...a: unknown[]) => void)[]>();
const fakeIpc = {
  invoke: vi.fn(async (channel: string, payload?: unknown) => {
    invoked.push([channel, payload]);
    return { ok: true, value: channel };
  }),
  send: vi.fn((channel: string, ...args: unknown[]) => void sent.push([channel, args])),
  on: vi.fn((channel: string, fn: (...a: unknown[]) => void) => void listeners.set(channel, [...(listeners.get(channel) ?? []), fn])),
  removeListener: vi.fn(
    (channel: string, fn: (...a: unknown[]) => void) =>
      void listeners.set(
        channel,
        (listeners.get(channel) ?? []).filter((f) => f !== fn),
      ),
  ),
};

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
  ipcRenderer: fakeIpc,
  webUtils: { getPathForFile: (f: { path?: string }) => (typeof f?.path === 'string' ? f.path : '') },
}));

let bridge: DesktopBridge;
beforeAll(async () => {
  await import('../../src/preload/index');
  bridge = exposed.nsysBridge as DesktopBridge;
});

describe('preload', () => {
  it('exposes one object, nsysBridge, of named functions: the NsysBridge methods plus the desktop extras', () => {
    expect(Object.keys(exposed)).toEqual(['nsysBridge']);
    const keys = Object.keys(bridge).sort();
    expect(keys).toEqual(
      [
        ...BRIDGE_METHODS,
        'onOpenProgress',
        'openDialog',
        'openDroppedFile',
        'openCompareDialog',
        'openDroppedCompareFile',
        'rendererReady',
        'saveFiles',
      ].sort(),
    );
    for (const k of keys) expect(typeof (bridge as unknown as Record<string, unknown>)[k]).toBe('function');
    expect(Object.values(bridge)).not.toContain(fakeIpc);
  });

  it('bridge methods become one checked channel carrying { method, args }', async () => {
    invoked.length = 0;
    await bridge.getSlices('abc', [{ trackId: 'k', t0: 0, t1: 10, widthPx: 5 }]);
    await bridge.aggregate('abc', 0, 10);
    await bridge.aggregate('abc', 0, 10, ['k']);
    expect(invoked).toEqual([
      [IPC.bridgeCall, { method: 'getSlices', args: ['abc', [{ trackId: 'k', t0: 0, t1: 10, widthPx: 5 }]] }],
      [IPC.bridgeCall, { method: 'aggregate', args: ['abc', 0, 10] }],
      [IPC.bridgeCall, { method: 'aggregate', args: ['abc', 0, 10, ['k']] }],
    ]);
  });

  it('saveFiles sends the generated files on their own channel (main opens the folder picker)', async () => {
    invoked.length = 0;
    const files = [{ fileName: 'trimmed.csv', data: 'a,b\n' }];
    await bridge.saveFiles(files);
    expect(invoked).toEqual([[IPC.saveFiles, { files }]]);
  });

  it('progress listeners get checked plain events, never the IPC event (which carries ipcRenderer)', () => {
    const got: unknown[][] = [];
    const off = bridge.onOpenProgress((...a: unknown[]) => void got.push(a));
    const fire = (ev: unknown) => (listeners.get(IPC.openProgress) ?? []).forEach((fn) => fn({ sender: fakeIpc }, ev));
    const ev = { openId: 'o1', name: 'a.sqlite', phase: 'kernels', fraction: 0.5, state: 'loading' };
    fire(ev);
    fire({ ...ev, fraction: 7 }); // malformed: dropped
    fire('<script>');
    expect(got).toEqual([[ev]]);
    off();
    fire(ev);
    expect(got.length).toBe(1);
    expect(() => bridge.onOpenProgress('x' as never)).toThrow(TypeError);
  });

  it('dropped files: the path is read here, from a real File only; the page never handles paths', async () => {
    invoked.length = 0;
    expect(await bridge.openDroppedFile({ path: '/home/ana/run.nsys-rep' } as unknown as File)).toEqual({
      ok: true,
      value: IPC.openDroppedFile,
    });
    expect(invoked).toEqual([[IPC.openDroppedFile, { path: '/home/ana/run.nsys-rep' }]]);
    // A File the page made itself has no path: refused without asking main.
    expect(await bridge.openDroppedFile({} as File)).toEqual({
      ok: false,
      error: 'Only files dropped from your file manager can be opened.',
    });
    expect(await bridge.openDroppedFile(null as unknown as File)).toMatchObject({ ok: false });
    expect(invoked.length).toBe(1);
    // A drop with Alt/Shift (compare) goes the same way, on its own channel.
    expect(await bridge.openDroppedCompareFile({ path: '/home/ana/b.sqlite' } as unknown as File)).toEqual({
      ok: true,
      value: IPC.openDroppedCompare,
    });
    expect(await bridge.openDroppedCompareFile({} as File)).toEqual({
      ok: false,
      error: 'Only files dropped from your file manager can be opened.',
    });
    expect(await bridge.openCompareDialog()).toEqual({ ok: true, value: IPC.openCompareDialog });
    expect(invoked.slice(1)).toEqual([
      [IPC.openDroppedCompare, { path: '/home/ana/b.sqlite' }],
      [IPC.openCompareDialog, undefined],
    ]);
  });

  it('cancel, dialog and ready use their own channels', async () => {
    invoked.length = 0;
    sent.length = 0;
    await bridge.cancelOpen('o1');
    await bridge.openDialog();
    bridge.rendererReady();
    expect(invoked).toEqual([
      [IPC.cancelOpen, { openId: 'o1' }],
      [IPC.openDialog, undefined],
    ]);
    expect(sent).toEqual([[IPC.rendererReady, []]]);
  });
});
