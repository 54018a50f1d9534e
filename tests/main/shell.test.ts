/**
 * src/main/index.ts driven end to end with a stand-in Electron (fake-electron.ts) and the real trace
 * worker on real nsys 2025.3 exports: launch argv, macOS open-file, second instance, drag and drop,
 * the IPC checks (sender, shape, trace ownership), window hardening, CSP, permissions, recent files
 * and the nsys path setting. What it cannot show: Chromium itself (sandbox, contextIsolation) —
 * those are options handed to BrowserWindow, checked here, enforced by Electron.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nodeLocatorFs } from '../../src/core/io/nsys-export';
import { locateNsys } from '../../src/core/io/nsys-locate';
import { openTrace } from '../../src/core/io/open-trace';
import type { OpenProgressEvent, Result, TraceInfo } from '../../src/shared/bridge';
import { IPC } from '../../src/shared/ipc';
import { repoRoot, requireFile, tracePath } from '../helpers/paths';
import { itShared } from '../helpers/shared-traces';
import { shellQuote } from '../../src/main/logic/serve-command';
import { SPARE_IDLE_MS } from '../../src/main/logic/spare-window';
import { FakeBrowserWindow, Menu, app, clipboard, dialog, ipcMain, session, shell, type FakeWebContents } from './fake-electron';
import { bundleTraceWorker } from './worker-bundle';

const hoisted = vi.hoisted(() => ({ workerFile: '' }));
vi.mock('electron', () => import('./fake-electron'));
vi.mock('../../src/main/worker/trace-client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/main/worker/trace-client')>();
  // The shell names out/main/trace-worker.cjs; here the same source is bundled into a test folder.
  class TestClient extends real.TraceWorkerClient {
    constructor() {
      super(hoisted.workerFile);
    }
  }
  return { TraceWorkerClient: TestClient };
});

const fixtures = resolve(repoRoot, 'tests/fixtures/nsys-2025.3');
const streams = requireFile(tracePath('tests/fixtures/nsys-2025.3/streams.sqlite'));
const multiproc = requireFile(join(fixtures, 'multiproc.sqlite'));
const cudaGraphs = requireFile(join(fixtures, 'cuda_graphs.sqlite'));
const streamsReport = requireFile(join(fixtures, 'streams.nsys-rep'));
const userData = mkdtempSync(join(tmpdir(), 'nsys-viewer-userdata-'));
const cacheDir = mkdtempSync(join(tmpdir(), 'nsys-viewer-cache-'));
const savedCache = process.env.NSYS_VIEWER_CACHE;
let dispose = () => undefined as void;
const savedArgv = process.argv;

const win = (i: number) => FakeBrowserWindow.all[i];
const evt = (wc: FakeWebContents, frame: { url: string } | null = wc.mainFrame) => ({ sender: wc, senderFrame: frame });
const invoke = async <T>(channel: string, wc: FakeWebContents, payload?: unknown, frame?: { url: string } | null) =>
  (await (ipcMain.handlers.get(channel) as (e: unknown, p: unknown) => Promise<Result<T>>)(
    evt(wc, frame === undefined ? wc.mainFrame : frame),
    payload,
  )) as Result<T>;
const bridge = <T>(wc: FakeWebContents, method: string, args: unknown[]) => invoke<T>(IPC.bridgeCall, wc, { method, args });
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

beforeAll(async () => {
  let workerFile: string;
  ({ workerFile, dispose } = await bundleTraceWorker('shell'));
  hoisted.workerFile = workerFile;
  app.userData = userData;
  app.appPath = repoRoot;
  // Workers inherit the environment: report exports go to a temporary cache.
  process.env.NSYS_VIEWER_CACHE = cacheDir;
  // A stored setting that points nowhere: opening a report must say so. No warm spare window here
  // (tests/main/shell-spare.test.ts has one): every open gets a window of its own, as the tests count.
  writeFileSync(join(userData, 'settings.json'), JSON.stringify({ nsysPath: '/nonexistent/nsight/bin/nsys', spareWindow: false }));
  // As a packaged Linux app started from a terminal in the repo: a relative path and Chromium switches.
  process.argv = ['/opt/nsys-viewer/nsys-viewer', '--no-sandbox', 'tests/fixtures/nsys-2025.3/streams.sqlite', 'README.md'];
  await import('../../src/main/index');
  // Launch order in Electron: will-finish-launching, macOS open-file events, then ready.
  app.emit('will-finish-launching');
  const openFile = {
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  };
  app.emit('open-file', openFile, streamsReport);
  expect(openFile.prevented).toBe(true);
  expect(FakeBrowserWindow.all.length).toBe(0);
  app.becomeReady();
  await until(() => FakeBrowserWindow.all.length === 2, 'two windows');
});

afterAll(() => {
  process.argv = savedArgv;
  if (savedCache === undefined) delete process.env.NSYS_VIEWER_CACHE;
  else process.env.NSYS_VIEWER_CACHE = savedCache;
  for (const w of FakeBrowserWindow.all) w.close();
  dispose();
  rmSync(userData, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('desktop shell', () => {
  it('opens each launch file in its own sandboxed, isolated window', () => {
    expect(FakeBrowserWindow.all.length).toBe(2); // README.md is not a trace: ignored
    for (const w of FakeBrowserWindow.all) {
      const prefs = w.options.webPreferences as Record<string, unknown>;
      expect(prefs).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        disableBlinkFeatures: 'Auxclick',
      });
      expect(String(prefs.preload)).toMatch(/[\\/]preload[\\/]index\.cjs$/);
      expect(w.webContents.mainFrame.url).toMatch(/^file:\/\/.*\/renderer\/index\.html$/);
    }
    expect(win(0).options.title).toBe('streams.nsys-rep — nsys-viewer'); // open-file came first
    expect(win(1).options.title).toBe('streams.sqlite — nsys-viewer');
  });

  it('listTraces waits for the open and answers an opaque id, never the path; info matches the model', async () => {
    const wc = win(1).webContents;
    const list = await bridge<{ traceId: string; name: string }[]>(wc, 'listTraces', []);
    expect(list.ok).toBe(true);
    if (!list.ok) return;
    expect(list.value).toEqual([{ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'streams.sqlite' }]);
    // The GPU rows come first (issue 15): ask again until the CPU rows landed, as the viewer does.
    let info = await bridge<TraceInfo>(wc, 'getTraceInfo', [list.value[0].traceId]);
    for (let i = 0; i < 200 && info.ok && info.value.loading; i++) {
      await new Promise((r) => setTimeout(r, 50));
      info = await bridge<TraceInfo>(wc, 'getTraceInfo', [list.value[0].traceId]);
    }
    if (!info.ok) throw new Error(info.error);
    expect(info.value.loading).toBeUndefined();
    const { model } = await openTrace(streams);
    expect(info.value.traceId).toBe(list.value[0].traceId);
    expect(info.value.counts).toEqual({
      kernels: model.kernels.count,
      graphExecs: model.graphExecs.count,
      memcpy: model.memcpy.count,
      memset: model.memset.count,
      api: model.api.count,
      nvtx: model.nvtx.count,
      osrt: model.osrt.count,
      samples: model.samples.count,
      threadStates: model.threadStates.count,
    });
    expect(JSON.stringify(info.value)).not.toContain(fixtures);
    const slices = await bridge<{ startNs: Float64Array }[]>(wc, 'getSlices', [
      info.value.traceId,
      [{ trackId: info.value.tracks[0].id, t0: 0, t1: model.meta.sessionEndNs, widthPx: 640 }],
    ]);
    expect(slices.ok && slices.value[0].startNs).toBeInstanceOf(Float64Array);
  });

  it('settings.json "spareWindow": false: no hidden spare window once the opens have ended and the app was idle', async () => {
    // Both launch opens have ended (the report failed, streams' CPU rows are in: the test above).
    await new Promise((r) => setTimeout(r, SPARE_IDLE_MS + 500));
    expect(FakeBrowserWindow.all.length).toBe(2);
    expect(FakeBrowserWindow.all.map((w) => w.isVisible())).toEqual([true, true]);
  });

  it('progress waits for rendererReady, then the latest state of the open arrives', async () => {
    const wc = win(1).webContents;
    expect(wc.sent.filter(([c]) => c === IPC.openProgress)).toEqual([]);
    (ipcMain.listeners.get(IPC.rendererReady) as (e: unknown) => void)(evt(wc));
    const events = wc.sent.filter(([c]) => c === IPC.openProgress).map(([, e]) => e as OpenProgressEvent);
    expect(events).toEqual([
      {
        openId: expect.stringMatching(/^[0-9a-f]{32}$/),
        name: 'streams.sqlite',
        phase: 'done',
        fraction: 1,
        state: 'done',
        traceId: expect.any(String),
      },
    ]);
  });

  it('a report with the nsys path setting pointing nowhere fails in its window, naming the setting, and offers to locate nsys', async () => {
    const wc = win(0).webContents;
    const list = await bridge(wc, 'listTraces', []);
    expect(list).toEqual({ ok: false, error: expect.stringContaining('streams.nsys-rep is an Nsight Systems report') });
    if (!list.ok) expect(list.error).toContain('the nsys path setting points at /nonexistent/nsight/bin/nsys');
    await until(() => dialog.messageBoxes.length === 1, 'the Locate nsys offer');
    expect(dialog.messageBoxes[0]).toMatchObject({ buttons: ['Locate nsys…', 'Close'] });
  });

  it('refuses IPC from anything but our page in our window', async () => {
    const wc = win(1).webContents;
    const refused = { ok: false, error: 'Refused: this request did not come from an nsys-viewer window.' };
    // The main frame itself, navigated elsewhere (navigation is blocked, but the check does not rely on that).
    expect(
      await invoke(IPC.bridgeCall, wc, { method: 'listTraces', args: [] }, {
        url: 'https://evil.example/',
        frameTreeNodeId: wc.mainFrame.frameTreeNodeId,
      } as never),
    ).toEqual(refused);
    expect(
      await invoke(IPC.bridgeCall, wc, { method: 'listTraces', args: [] }, {
        url: 'file:///etc/passwd',
        frameTreeNodeId: wc.mainFrame.frameTreeNodeId,
      } as never),
    ).toEqual(refused);
    expect(
      await invoke(IPC.bridgeCall, wc, { method: 'listTraces', args: [] }, { url: wc.mainFrame.url, frameTreeNodeId: 99 } as never),
    ).toEqual(refused); // a subframe, even with our URL
    expect(await invoke(IPC.bridgeCall, wc, { method: 'listTraces', args: [] }, null)).toEqual(refused);
    const stranger = new (await import('./fake-electron')).FakeWebContents();
    stranger.mainFrame.url = wc.mainFrame.url;
    expect(await invoke(IPC.bridgeCall, stranger, { method: 'listTraces', args: [] })).toEqual(refused);
    expect(await invoke(IPC.openDroppedFile, stranger, { path: multiproc })).toEqual(refused);
    expect(await invoke(IPC.openDialog, stranger)).toEqual(refused);
    expect(await invoke(IPC.cancelOpen, stranger, { openId: 'abc' })).toEqual(refused);
    expect(await bridge(wc, '__proto__', [])).toEqual({ ok: false, error: expect.stringContaining('Malformed bridge call') });
    expect(await bridge(wc, 'getTraceInfo', ['t1'])).toEqual({ ok: false, error: 'Unknown trace id "t1". Open the trace again.' });
  });

  it('Copy link: main puts `nsys-viewer serve PATH --from --to` on the clipboard; the page gets the file name only', async () => {
    const wc = win(1).webContents;
    const list = await bridge<{ traceId: string }[]>(wc, 'listTraces', []);
    if (!list.ok) throw new Error(list.error);
    const traceId = list.value[0].traceId;
    const r = await bridge<{ shown: string }>(wc, 'copyServeCommand', [traceId, { fromNs: 8440000123, toNs: 8540000000 }]);
    expect(r).toEqual({ ok: true, value: { shown: 'nsys-viewer serve streams.sqlite --from 8440.000123 --to 8540' } });
    expect(clipboard.text).toBe(`nsys-viewer serve ${shellQuote(streams)} --from 8440.000123 --to 8540`);
    // Shape and window are checked before anything is copied.
    clipboard.text = '';
    expect(await bridge(wc, 'copyServeCommand', [traceId, { fromNs: 5, toNs: 5 }])).toEqual({
      ok: false,
      error: 'Copy link: the window is empty (its end is not after its start).',
    });
    expect(await bridge(wc, 'copyServeCommand', [traceId, { fromNs: 0.5, toNs: 5 }])).toEqual({
      ok: false,
      error: 'copyServeCommand argument 2.fromNs must be an integer.',
    });
    expect(await bridge(wc, 'copyServeCommand', ['t1', { fromNs: 0, toNs: 5 }])).toEqual({
      ok: false,
      error: 'Unknown trace id "t1". Open the trace again.',
    });
    expect(clipboard.text).toBe('');
  });

  it('Export selection… / Save PNG: writes generated files into the picked folder, never over existing ones', async () => {
    const wc = win(1).webContents;
    const folder = mkdtempSync(join(tmpdir(), 'nsys-viewer-save-'));
    try {
      const files = [
        { fileName: 'trimmed.csv', data: 'engine,start_time,end_time\nkernel,1,2\n' },
        { fileName: 'streams_8440-8540ms.png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) },
      ];
      dialog.openDialogResult = { canceled: true, filePaths: [] };
      expect(await invoke(IPC.saveFiles, wc, { files })).toEqual({ ok: false, error: 'No folder chosen: nothing was written.' });
      dialog.openDialogResult = { canceled: false, filePaths: [folder] };
      expect(await invoke(IPC.saveFiles, wc, { files })).toEqual({
        ok: true,
        value: { folder, written: ['trimmed.csv', 'streams_8440-8540ms.png'] },
      });
      expect(readFileSync(join(folder, 'trimmed.csv'), 'utf8')).toBe(files[0].data);
      expect([...readFileSync(join(folder, 'streams_8440-8540ms.png'))]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      // Again into the same folder: refused before anything is written; the first files are untouched.
      const again = await invoke(IPC.saveFiles, wc, {
        files: [
          { fileName: 'other.csv', data: 'x' },
          { fileName: 'trimmed.csv', data: 'changed' },
        ],
      });
      expect(again).toEqual({
        ok: false,
        error: `${folder} already has trimmed.csv: nothing was written. Pick an empty folder or move those files.`,
      });
      expect(readFileSync(join(folder, 'trimmed.csv'), 'utf8')).toBe(files[0].data);
      expect(() => readFileSync(join(folder, 'other.csv'))).toThrow();
      // Hostile payloads never reach the picker.
      for (const bad of [
        { files: [{ fileName: '../../.bashrc', data: 'x' }] },
        { files: [{ fileName: 'a.exe', data: 'x' }] },
        { files: [] },
        { files: 'x' },
        null,
      ]) {
        expect(await invoke(IPC.saveFiles, wc, bad)).toEqual({ ok: false, error: expect.stringContaining('Malformed save') });
      }
      const stranger = new (await import('./fake-electron')).FakeWebContents();
      stranger.mainFrame.url = wc.mainFrame.url;
      expect(await invoke(IPC.saveFiles, stranger, { files })).toEqual({
        ok: false,
        error: 'Refused: this request did not come from an nsys-viewer window.',
      });
    } finally {
      dialog.openDialogResult = { canceled: true, filePaths: [] };
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('drag and drop: only absolute trace files that exist; each opens its own window; one window cannot read another', async () => {
    const wc = win(1).webContents;
    expect(await invoke(IPC.openDroppedFile, wc, { path: '/etc/passwd' })).toEqual({
      ok: false,
      error: 'passwd is not a trace: drop a .nsys-rep, .qdrep, .sqlite file.',
    });
    expect(await invoke(IPC.openDroppedFile, wc, { path: '../../etc/x.sqlite' })).toMatchObject({ ok: false });
    expect(await invoke(IPC.openDroppedFile, wc, { path: join(fixtures, 'missing.sqlite') })).toEqual({
      ok: false,
      error: 'missing.sqlite is not a readable file.',
    });
    expect(await invoke(IPC.openDroppedFile, wc, { path: multiproc, extra: 1 })).toEqual({
      ok: false,
      error: 'Malformed drop: expected { path }.',
    });
    expect(FakeBrowserWindow.all.length).toBe(2);
    expect(await invoke(IPC.openDroppedFile, wc, { path: multiproc })).toEqual({ ok: true, value: { opened: true } });
    expect(FakeBrowserWindow.all.length).toBe(3);
    // The same file again focuses its window instead of opening it twice.
    expect(await invoke(IPC.openDroppedFile, wc, { path: streams })).toEqual({ ok: true, value: { opened: true } });
    expect(FakeBrowserWindow.all.length).toBe(3);
    expect(win(1).focused).toBe(1);

    const mine = await bridge<{ traceId: string }[]>(win(2).webContents, 'listTraces', []);
    const theirs = await bridge<{ traceId: string }[]>(wc, 'listTraces', []);
    if (!mine.ok || !theirs.ok) throw new Error('listTraces failed');
    expect(mine.value[0].traceId).not.toBe(theirs.value[0].traceId);
    expect(await bridge(win(2).webContents, 'getTraceInfo', [theirs.value[0].traceId])).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Unknown trace id/),
    });
  });

  it('a second instance hands its files over, resolved against its own working directory', async () => {
    app.emit(
      'second-instance',
      {},
      ['/opt/nsys-viewer/nsys-viewer', '--original-process-start-time=13372', 'cuda_graphs.sqlite'],
      fixtures,
    );
    expect(FakeBrowserWindow.all.length).toBe(4);
    const list = await bridge<{ name: string }[]>(win(3).webContents, 'listTraces', []);
    expect(list).toEqual({ ok: true, value: [{ traceId: expect.any(String), name: 'cuda_graphs.sqlite' }] });
    expect(cudaGraphs).toBeTruthy();
  });

  it('remembers opened files in userData/recent.json and the OS list (not failed opens)', () => {
    const stored = JSON.parse(readFileSync(join(userData, 'recent.json'), 'utf8')) as { files: string[] };
    expect(stored.files.sort()).toEqual([cudaGraphs, multiproc, streams].sort());
    expect(app.recentDocuments.sort()).toEqual([cudaGraphs, multiproc, streams].sort());
  });

  it('File menu: Open…, Open Recent (reopening focuses the window), Locate / Forget nsys', () => {
    type Item = { label?: string; role?: string; click?: () => void; submenu?: Item[]; enabled?: boolean };
    const file = (Menu.template as Item[]).find((m) => m.label === '&File')!;
    const labels = file.submenu!.map((i) => i.label ?? i.role);
    expect(labels).toEqual([
      'Open…',
      'Compare With…',
      'Open Recent',
      undefined,
      'Locate nsys… (now /nonexistent/nsight/bin/nsys)',
      'Forget nsys Location',
      undefined,
      'quit',
    ]);
    const recentMenu = file.submenu!.find((i) => i.label === 'Open Recent')!.submenu!;
    expect(
      recentMenu
        .slice(0, 3)
        .map((i) => i.label)
        .sort(),
    ).toEqual([cudaGraphs, multiproc, streams].sort());
    const before = FakeBrowserWindow.all.length;
    const focusedBefore = win(1).focused;
    recentMenu.find((i) => i.label === streams)!.click!();
    expect(FakeBrowserWindow.all.length).toBe(before);
    expect(win(1).focused).toBe(focusedBefore + 1);
    file.submenu!.find((i) => i.label === 'Forget nsys Location')!.click!();
    // The nsys path goes; the other setting stays.
    expect(JSON.parse(readFileSync(join(userData, 'settings.json'), 'utf8'))).toEqual({ spareWindow: false });
    const after = (Menu.template as Item[]).find((m) => m.label === '&File')!.submenu!.map((i) => i.label);
    expect(after).toContain('Locate nsys…');
    expect(after).not.toContain('Forget nsys Location');
  });

  it('windows cannot navigate or open windows, and nothing is handed to the browser (the page has no links)', () => {
    const wc = win(1).webContents;
    let prevented = 0;
    const e = { preventDefault: () => prevented++ };
    wc.emit('will-navigate', e, 'file:///etc/passwd');
    wc.emit('will-redirect', e, 'https://evil.example');
    wc.emit('will-attach-webview', e, {}, {});
    expect(prevented).toBe(3);
    expect(wc.windowOpenHandler?.({ url: 'https://docs.nvidia.com/nsight-systems/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler?.({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(shell.opened).toEqual([]);
  });

  it('CSP on every response; every permission refused but clipboard writes from our page', () => {
    let headers: Record<string, string[]> = {};
    session.defaultSession.headersListener?.(
      { responseHeaders: { 'content-security-policy': ['default-src *'] } },
      (r) => (headers = r.responseHeaders),
    );
    expect(headers['Content-Security-Policy'][0]).toMatch(/^default-src 'self'; script-src 'self';/);
    expect(Object.keys(headers)).toEqual(['Content-Security-Policy']);
    const page = win(1).webContents.mainFrame.url;
    const request = (permission: string, requestingUrl: string) => {
      let granted: boolean | undefined;
      session.defaultSession.permissionRequest?.({}, permission, (ok) => (granted = ok), { requestingUrl });
      return granted;
    };
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'openExternal', 'fullscreen'])
      expect(request(p, page), p).toBe(false);
    expect(request('clipboard-sanitized-write', page)).toBe(true);
    expect(request('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    const check = session.defaultSession.permissionCheck!;
    expect(check({}, 'clipboard-read', 'file:///', { requestingUrl: page })).toBe(false);
    expect(check({}, 'clipboard-sanitized-write', 'file:///', { requestingUrl: page })).toBe(true);
    expect(check({}, 'clipboard-sanitized-write', 'https://evil.example', {})).toBe(false);
  });

  it('cancel names only a loading open of the same window', async () => {
    const wc = win(2).webContents;
    expect(await invoke(IPC.cancelOpen, wc, { openId: 'deadbeef' })).toEqual({ ok: true, value: false });
    expect(await invoke(IPC.cancelOpen, wc, { openId: '../x' })).toEqual({ ok: false, error: 'Malformed cancel: expected { openId }.' });
  });

  it('closing a window ends its worker; its page is then a stranger', async () => {
    const wc = win(3).webContents;
    win(3).close();
    expect(await bridge(wc, 'listTraces', [])).toEqual({
      ok: false,
      error: 'Refused: this request did not come from an nsys-viewer window.',
    });
  });
  const progressOf = (wc: FakeWebContents) => wc.sent.filter(([c]) => c === IPC.openProgress).map(([, e]) => e as OpenProgressEvent);
  const ready = (wc: FakeWebContents) => (ipcMain.listeners.get(IPC.rendererReady) as (e: unknown) => void)(evt(wc));

  itShared('Cancel: the page cancels an open in progress; the worker stops and the window says so', async () => {
    const big = requireFile(tracePath('shared:llm_eager_pageable.sqlite'));
    const n = FakeBrowserWindow.all.length;
    app.emit('second-instance', {}, ['/opt/nsys-viewer/nsys-viewer', big], '/');
    const wc = win(n).webContents;
    ready(wc);
    const [first] = progressOf(wc);
    expect(first).toMatchObject({ name: 'llm_eager_pageable.sqlite', state: 'loading' });
    expect(await invoke(IPC.cancelOpen, win(1).webContents, { openId: first.openId })).toEqual({ ok: true, value: false }); // not its open
    expect(await invoke(IPC.cancelOpen, wc, { openId: first.openId })).toEqual({ ok: true, value: true });
    expect(await bridge(wc, 'listTraces', [])).toEqual({
      ok: false,
      error: 'Opening llm_eager_pageable.sqlite was cancelled. Use File → Open… (Ctrl+O) to open a trace.',
    });
    expect(progressOf(wc).at(-1)).toMatchObject({ openId: first.openId, state: 'cancelled' });
  });

  itShared('Cancel after the first frame: the GPU rows were shown, the worker ends, the window returns to its open screen', async () => {
    const big = requireFile(tracePath('shared:llm_eager_pageable.sqlite'));
    const n = FakeBrowserWindow.all.length;
    app.emit('second-instance', {}, ['/opt/nsys-viewer/nsys-viewer', big], '/');
    const wc = win(n).webContents;
    ready(wc);
    const [first] = progressOf(wc);
    // listTraces answers once the GPU rows are read; the CPU rows (66k API calls) are still read then.
    const list = await bridge<{ traceId: string }[]>(wc, 'listTraces', []);
    expect(list.ok).toBe(true);
    if (!list.ok) return;
    const info = await bridge<TraceInfo>(wc, 'getTraceInfo', [list.value[0].traceId]);
    expect(info.ok && info.value.loading?.phase).toBeTruthy();
    expect(await invoke(IPC.cancelOpen, wc, { openId: first.openId })).toEqual({ ok: true, value: true });
    expect(progressOf(wc).at(-1)).toMatchObject({ openId: first.openId, state: 'cancelled' });
    expect(await bridge(wc, 'listTraces', [])).toEqual({
      ok: false,
      error: 'Opening llm_eager_pageable.sqlite was cancelled. Use File → Open… (Ctrl+O) to open a trace.',
    });
    expect(await bridge(wc, 'getTraceInfo', [list.value[0].traceId])).toMatchObject({ ok: false });
  });

  const realNsys = locateNsys({ platform: process.platform, env: process.env, fs: nodeLocatorFs }).found?.path;
  it.skipIf(!realNsys)(
    `a report opens through the installed nsys (${realNsys ?? 'none'}), its hash/export progress reaching the page`,
    async () => {
      // The nsys path setting was cleared above, so nsys is found on PATH / in the standard folders.
      const dir = resolve(repoRoot, 'tests/fixtures/nsys-2022.4');
      requireFile(join(dir, 'cpu_nvtx.nsys-rep'));
      const n = FakeBrowserWindow.all.length;
      app.emit('second-instance', {}, ['/opt/nsys-viewer/nsys-viewer', 'cpu_nvtx.nsys-rep'], dir);
      const wc = win(n).webContents;
      ready(wc);
      const list = await bridge<{ name: string }[]>(wc, 'listTraces', []);
      expect(list).toEqual({ ok: true, value: [{ traceId: expect.any(String), name: 'cpu_nvtx.nsys-rep' }] });
      const events = progressOf(wc);
      const phases = [...new Set(events.map((e) => e.phase))];
      expect(phases).toEqual(expect.arrayContaining(['hash', 'export', 'done']));
      expect(phases.indexOf('export')).toBeLessThan(phases.indexOf('done'));
      for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
    },
    120_000,
  );

  it("Compare With… (main's dialog) opens a second trace into the sender's own window; strangers and other windows get nothing", async () => {
    const wc = win(1).webContents; // streams.sqlite, open
    const stranger = new (await import('./fake-electron')).FakeWebContents();
    stranger.mainFrame.url = wc.mainFrame.url;
    const refused = { ok: false, error: 'Refused: this request did not come from an nsys-viewer window.' };
    expect(await invoke(IPC.openCompareDialog, stranger)).toEqual(refused);
    expect(await invoke(IPC.openDroppedCompare, stranger, { path: cudaGraphs })).toEqual(refused);
    expect(await invoke(IPC.openDroppedCompare, wc, { path: cudaGraphs, extra: 1 })).toEqual({
      ok: false,
      error: 'Malformed drop: expected { path }.',
    });
    expect(await invoke(IPC.openDroppedCompare, wc, { path: streams })).toEqual({
      ok: false,
      error: 'streams.sqlite is the trace this window shows: choose another one to compare with.',
    });
    // The report window whose open failed has no trace to compare with.
    dialog.openDialogResult = { canceled: false, filePaths: [cudaGraphs] };
    expect(await invoke(IPC.openCompareDialog, win(0).webContents)).toEqual({
      ok: false,
      error: 'Open a trace in this window first, then add a second one to compare with.',
    });
    const windows = FakeBrowserWindow.all.length;
    expect(await invoke(IPC.openCompareDialog, wc)).toEqual({ ok: true, value: { opening: true } });
    dialog.openDialogResult = { canceled: true, filePaths: [] };
    expect(FakeBrowserWindow.all.length).toBe(windows);
    let list = await bridge<{ traceId: string; name: string }[]>(wc, 'listTraces', []);
    for (let i = 0; i < 400 && list.ok && list.value.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      list = await bridge<{ traceId: string; name: string }[]>(wc, 'listTraces', []);
    }
    if (!list.ok) throw new Error(list.error);
    expect(list.value.map((t) => t.name)).toEqual(['streams.sqlite', 'cuda_graphs.sqlite']);
    const [a, b] = list.value.map((t) => t.traceId);
    const done = progressOf(wc).filter((e) => e.compare);
    expect(done.at(-1)).toMatchObject({ name: 'cuda_graphs.sqlite', state: 'done', traceId: b, compare: true });
    const cmp = await bridge<{ a: { file: string }; b: { file: string } }>(wc, 'compareTraces', [a, b]);
    if (!cmp.ok) throw new Error(cmp.error);
    expect([cmp.value.a.file, cmp.value.b.file]).toEqual(['streams.sqlite', 'cuda_graphs.sqlite']);
    const other = win(2).webContents; // multiproc.sqlite
    const own = await bridge<{ traceId: string }[]>(other, 'listTraces', []);
    if (!own.ok) throw new Error(own.error);
    expect(own.value.length).toBe(1);
    expect(await bridge(other, 'getTraceInfo', [b])).toEqual({ ok: false, error: `Unknown trace id "${b}". Open the trace again.` });
    expect(await bridge(other, 'compareTraces', [own.value[0].traceId, b])).toEqual({
      ok: false,
      error: `Unknown trace id "${b}". Open the trace again.`,
    });
  });

  itShared('Cancel reaches a compare open too; the window is left with its own trace and the replaced compare trace freed', async () => {
    const wc = win(1).webContents; // streams.sqlite, with cuda_graphs.sqlite to compare (the test above)
    const before = await bridge<{ traceId: string; name: string }[]>(wc, 'listTraces', []);
    if (!before.ok) throw new Error(before.error);
    expect(before.value.map((t) => t.name)).toEqual(['streams.sqlite', 'cuda_graphs.sqlite']);
    const replaced = before.value[1].traceId;
    const sent = progressOf(wc).length;
    expect(await invoke(IPC.openDroppedCompare, wc, { path: requireFile(tracePath('shared:llm_eager_pageable.sqlite')) })).toEqual({
      ok: true,
      value: { opening: true },
    });
    const start = progressOf(wc).slice(sent)[0];
    expect(start).toMatchObject({ name: 'llm_eager_pageable.sqlite', state: 'loading', compare: true });
    expect(await invoke(IPC.cancelOpen, win(2).webContents, { openId: start.openId })).toEqual({ ok: true, value: false }); // not its open
    // Before: cancelOpen only knew a window's own open, so a compare open could not be cancelled.
    expect(await invoke(IPC.cancelOpen, wc, { openId: start.openId })).toEqual({ ok: true, value: true });
    await until(() => progressOf(wc).at(-1)?.state !== 'loading', 'the compare open to end');
    expect(progressOf(wc).at(-1)).toMatchObject({ openId: start.openId, state: 'cancelled', compare: true });
    expect(await bridge(wc, 'listTraces', [])).toEqual({ ok: true, value: [before.value[0]] });
    expect(await bridge(wc, 'getTraceInfo', [replaced])).toEqual({
      ok: false,
      error: `Unknown trace id "${replaced}". Open the trace again.`,
    });
    // The window's own trace still answers, and a new compare can start.
    expect(await bridge(wc, 'getTraceInfo', [before.value[0].traceId])).toMatchObject({ ok: true });
    expect(await invoke(IPC.openDroppedCompare, wc, { path: multiproc })).toEqual({ ok: true, value: { opening: true } });
    await until(() => progressOf(wc).at(-1)?.state === 'done', 'the next compare open');
  });
});
