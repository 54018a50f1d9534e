/**
 * The warm spare window (issue 15, src/main/logic/spare-window.ts) in src/main/index.ts, driven with
 * the stand-in Electron and the real trace worker: when it is made, how an open takes it (the page's
 * held listTraces, its pre-started worker), and that it never keeps the app from quitting nor comes
 * back after its page crashed. tests/main/desktop-e2e.test.ts shows its page really warm in Chromium.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { SPARE_IDLE_MS } from '../../src/main/logic/spare-window';
import type { OpenProgressEvent, Result, TraceInfo } from '../../src/shared/bridge';
import { IPC } from '../../src/shared/ipc';
import { repoRoot, requireFile, tracePath } from '../helpers/paths';
import { FakeBrowserWindow, app, dialog, ipcMain, type FakeWebContents } from './fake-electron';
import { bundleTraceWorker } from './worker-bundle';

const hoisted = vi.hoisted(() => ({ workerFile: '', clients: [] as { terminated: boolean }[] }));
vi.mock('electron', () => import('./fake-electron'));
vi.mock('../../src/main/worker/trace-client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/main/worker/trace-client')>();
  // Counts the workers main starts (one per window, the spare's before any open) and which it ends.
  class TestClient extends real.TraceWorkerClient {
    terminated = false;
    constructor() {
      super(hoisted.workerFile);
      hoisted.clients.push(this);
    }
    override async terminate(): Promise<void> {
      this.terminated = true;
      await super.terminate();
    }
  }
  return { TraceWorkerClient: TestClient };
});

const streams = requireFile(tracePath('tests/fixtures/nsys-2025.3/streams.sqlite'));
const multiproc = requireFile(tracePath('tests/fixtures/nsys-2025.3/multiproc.sqlite'));
const cudaGraphs = requireFile(tracePath('tests/fixtures/nsys-2025.3/cuda_graphs.sqlite'));
const userData = mkdtempSync(join(tmpdir(), 'nsys-viewer-userdata-'));
// The same trace under other paths: an open of a path already shown would only focus its window.
const copies = mkdtempSync(join(tmpdir(), 'nsys-viewer-spare-'));
const copyOf = (dir: string) => {
  mkdirSync(join(copies, dir));
  const p = join(copies, dir, 'multiproc.sqlite');
  copyFileSync(multiproc, p);
  return p;
};
let dispose = () => undefined as void;
const savedArgv = process.argv;

const win = (i: number) => FakeBrowserWindow.all[i];
const hidden = () => FakeBrowserWindow.getAllWindows().filter((w) => !w.isVisible());
const visible = () => FakeBrowserWindow.getAllWindows().filter((w) => w.isVisible());
const evt = (wc: FakeWebContents) => ({ sender: wc, senderFrame: wc.mainFrame });
const invoke = async <T>(channel: string, wc: FakeWebContents, payload?: unknown) =>
  (await (ipcMain.handlers.get(channel) as (e: unknown, p: unknown) => Promise<Result<T>>)(evt(wc), payload)) as Result<T>;
const bridge = <T>(wc: FakeWebContents, method: string, args: unknown[]) => invoke<T>(IPC.bridgeCall, wc, { method, args });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => boolean, what: string, timeoutMs = 30_000) => {
  for (const t0 = Date.now(); !cond() && Date.now() - t0 < timeoutMs;) await sleep(20);
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};
/** What a page does: list the traces, then ask the info until the CPU rows are in (the open has ended). */
async function openedIn(wc: FakeWebContents): Promise<string> {
  const list = await bridge<{ traceId: string; name: string }[]>(wc, 'listTraces', []);
  if (!list.ok) throw new Error(list.error);
  for (;;) {
    const info = await bridge<TraceInfo>(wc, 'getTraceInfo', [list.value[0].traceId]);
    if (!info.ok) throw new Error(info.error);
    if (!info.value.loading) return info.value.name;
    await sleep(50);
  }
}

beforeAll(async () => {
  let workerFile: string;
  ({ workerFile, dispose } = await bundleTraceWorker('spare'));
  hoisted.workerFile = workerFile;
  app.userData = userData;
  app.appPath = repoRoot;
  process.argv = ['/opt/nsys-viewer/nsys-viewer', streams];
  await import('../../src/main/index');
  app.becomeReady();
  await until(() => FakeBrowserWindow.all.length === 1, 'the first window');
});

afterAll(() => {
  process.argv = savedArgv;
  for (const w of FakeBrowserWindow.all) w.close();
  dispose();
  rmSync(userData, { recursive: true, force: true });
  rmSync(copies, { recursive: true, force: true });
});

it('once the first open has ended and the app was idle, one hidden spare loads our page and starts its worker', async () => {
  const first = win(0).webContents;
  const list = await bridge<{ name: string }[]>(first, 'listTraces', []);
  expect(list).toMatchObject({ ok: true, value: [{ name: 'streams.sqlite' }] });
  // No spare while a window opens: it would compete with the open for the CPU.
  expect(FakeBrowserWindow.all.length).toBe(1);
  expect(await openedIn(first)).toBe('streams.sqlite');
  await until(() => FakeBrowserWindow.all.length === 2, 'the spare');
  const spare = win(1);
  expect(spare.isVisible()).toBe(false);
  expect(win(0).isVisible()).toBe(true);
  expect(spare.title).toBe('nsys-viewer');
  expect(spare.options.webPreferences).toMatchObject({
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    backgroundThrottling: false,
  });
  expect(spare.webContents.mainFrame.url).toBe(win(0).webContents.mainFrame.url);
  expect(hoisted.clients.length).toBe(2);
  // Its page passes the sender checks (it is ours); its trace list is held, not answered empty
  // (which would show the open screen), while the page warms up.
  (ipcMain.listeners.get(IPC.rendererReady) as (e: unknown) => void)(evt(spare.webContents));
  let answered = false;
  void bridge(spare.webContents, 'listTraces', []).then(() => (answered = true));
  await sleep(300);
  expect(answered).toBe(false);
  expect(spare.isVisible()).toBe(false);
});

it('File → Open of two files: the first lands in the spare (same page, shown, named, its worker), the second in a new window', async () => {
  const spare = win(1);
  const wc = spare.webContents;
  const held = bridge<{ traceId: string; name: string }[]>(wc, 'listTraces', []);
  dialog.openDialogResult = { canceled: false, filePaths: [multiproc, cudaGraphs] };
  try {
    expect(await invoke(IPC.openDialog, win(0).webContents)).toEqual({ ok: true, value: { opened: 2 } });
  } finally {
    dialog.openDialogResult = { canceled: true, filePaths: [] };
  }
  expect(FakeBrowserWindow.all.length).toBe(3);
  expect(spare.isVisible()).toBe(true);
  expect(spare.title).toBe('multiproc.sqlite — nsys-viewer');
  // Hidden it ran unthrottled; shown it is an ordinary window again.
  expect(wc.backgroundThrottling).toBe(true);
  expect(win(2).options.title).toBe('cuda_graphs.sqlite — nsys-viewer');
  // One worker more (cuda_graphs' window): the spare's open went to the worker it had started.
  expect(hoisted.clients.length).toBe(3);
  expect(await held).toEqual({ ok: true, value: [{ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'multiproc.sqlite' }] });
  // Its page had subscribed (rendererReady while it was the spare): the open's events came straight through.
  const events = wc.sent.filter(([c]) => c === IPC.openProgress).map(([, e]) => e as OpenProgressEvent);
  expect(events[0]).toMatchObject({ name: 'multiproc.sqlite', phase: 'start', state: 'loading' });
  expect(events.at(-1)).toMatchObject({ name: 'multiproc.sqlite', state: 'done' });
  expect(await openedIn(wc)).toBe('multiproc.sqlite');
  expect(await openedIn(win(2).webContents)).toBe('cuda_graphs.sqlite');
});

it('a new spare follows once idle; closing the last user window destroys it with its worker, and the app quits', async () => {
  await until(() => hidden().length === 1, 'the next spare');
  const spare = hidden()[0];
  expect(FakeBrowserWindow.all.indexOf(spare)).toBe(3);
  const spareClient = hoisted.clients.at(-1)!;
  expect(hoisted.clients.length).toBe(4);
  const quits = app.quitCalls;
  const users = visible();
  expect(users.length).toBe(3);
  for (const w of users.slice(0, -1)) w.close();
  expect(spare.isDestroyed()).toBe(false);
  expect(app.quitCalls).toBe(quits);
  users.at(-1)!.close();
  expect(spare.isDestroyed()).toBe(true);
  expect(spareClient.terminated).toBe(true);
  expect(app.quitCalls).toBe(quits + 1);
});

it('a spare whose page crashed is dropped, and no other is made this session (a page that crashed would again)', async () => {
  const a = copyOf('a');
  app.emit('second-instance', {}, ['/opt/nsys-viewer/nsys-viewer', a], copies);
  await until(() => visible().length === 1, 'its window shown');
  await openedIn(visible()[0].webContents);
  await until(() => hidden().length === 1, 'a spare');
  const spare = hidden()[0];
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    spare.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      'nsys-viewer: the hidden spare window stopped (crashed); opens load their own window from now on.',
    ]);
  } finally {
    warn.mockRestore();
  }
  expect(spare.isDestroyed()).toBe(true);
  expect(hoisted.clients.at(-1)!.terminated).toBe(true);
  const b = copyOf('b');
  const count = FakeBrowserWindow.all.length;
  app.emit('second-instance', {}, ['/opt/nsys-viewer/nsys-viewer', b], copies);
  expect(FakeBrowserWindow.all.length).toBe(count + 1);
  await openedIn(FakeBrowserWindow.all.at(-1)!.webContents);
  await sleep(SPARE_IDLE_MS + 500);
  expect(hidden()).toEqual([]);
  expect(FakeBrowserWindow.all.length).toBe(count + 1);
});
