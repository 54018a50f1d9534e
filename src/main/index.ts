/**
 * The Electron shell, kept thin: every decision lives in src/main/logic (unit-tested in Node without
 * Electron, tests/main). Traces open and are queried in a worker thread per window
 * (src/main/trace-worker.ts), never on this event loop. The page is sandboxed and treated as hostile:
 * it sees opaque trace ids, never paths, and every IPC message is checked for sender and shape.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  ipcMain,
  Menu,
  session,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
  type MenuItemConstructorOptions,
  type WebContents,
} from 'electron';
import type { OpenProgressEvent, Result } from '../shared/bridge';
import { IPC, TRACE_EXTENSIONS, hasTraceExtension, isCancelOpen, isDroppedFile, isSaveFiles } from '../shared/ipc';
import { filesFromArgv } from './logic/argv';
import { buildCsp, withCspHeader } from './logic/csp';
import { routeBridgeCall, toPageValue } from './logic/ipc-guards';
import { LaunchQueue, RendererOutbox } from './logic/open-queue';
import { isPermissionAllowed } from './logic/permissions';
import { addRecent, parseRecent, serializeRecent } from './logic/recent';
import { isAllowedSenderUrl, type AppOrigin } from './logic/sender';
import { parseSettings, serializeSettings, validateNsysPath, type Settings } from './logic/settings';
import { planSave } from './logic/save-files';
import { serveCommand } from './logic/serve-command';
import { SPARE_IDLE_MS, SpareSlot } from './logic/spare-window';
import { TraceRegistry, stateMessage } from './logic/trace-registry';
import { readText, writeTextAtomic } from './store';
import { TraceWorkerClient } from './worker/trace-client';

const here = dirname(fileURLToPath(import.meta.url));
const RENDERER_FILE = join(here, '../renderer/index.html');
const PRELOAD_FILE = join(here, '../preload/index.cjs');
const WORKER_FILE = join(here, 'trace-worker.cjs');
// The dev server is only trusted while developing; a packaged app ignores the variable.
const origin: AppOrigin = { rendererFile: RENDERER_FILE, devUrl: app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL };
const SAMPLE_TRACE = app.isPackaged
  ? join(process.resourcesPath, 'samples', 'streams.sqlite')
  : join(app.getAppPath(), 'resources', 'samples', 'streams.sqlite');
const ICON = app.isPackaged ? undefined : join(app.getAppPath(), 'resources', 'icon.png');
const DIALOG_FILTERS = [
  { name: 'Nsight Systems traces', extensions: TRACE_EXTENSIONS.map((e) => e.slice(1)) },
  { name: 'All files', extensions: ['*'] },
];

interface Win {
  win: BrowserWindow;
  outbox: RendererOutbox<OpenProgressEvent>;
  client?: TraceWorkerClient;
  opening?: Promise<void>;
  /** The window shows the GPU rows while the worker still reads the CPU rows (issue 15). */
  completing?: boolean;
  /**
   * Set while this is the warm spare (logic/spare-window.ts): hidden, its page loaded and its
   * listTraces waiting on `held`, its worker started with no trace. An open releases it.
   */
  spare?: { held: Promise<void>; release: () => void };
  /** Marks this window's open as ended (CPU rows in, failed, cancelled or closed); once, for the spare's idle check. */
  endOpen?: () => void;
}

const wins = new Map<number, Win>(); // by webContents id: what IPC events name
const registry = new TraceRegistry(() => randomBytes(16).toString('hex'));
const userFile = (name: string) => join(app.getPath('userData'), name);
let settings: Settings = {};
let recent: string[] = [];
const spareSlot = new SpareSlot<Win>(() => settings.spareWindow !== false);
/** Opens (and compare opens) not yet ended: a spare is made only when none runs. */
let opensRunning = 0;
let spareTimer: ReturnType<typeof setTimeout> | undefined;

function loadStores(): void {
  const s = parseSettings(readText(userFile('settings.json')) ?? '{}', userFile('settings.json'));
  for (const w of s.warnings) console.warn(w);
  settings = s.settings;
  recent = parseRecent(readText(userFile('recent.json')) ?? '{}');
}

function rememberRecent(path: string): void {
  recent = addRecent(recent, path);
  app.addRecentDocument(path);
  writeTextAtomic(userFile('recent.json'), serializeRecent(recent));
  buildMenu();
}

/** The window an IPC message came from, only if its main frame shows our page. */
function senderWin(e: IpcMainEvent | IpcMainInvokeEvent): Win | undefined {
  const w = wins.get(e.sender.id);
  const frame = e.senderFrame;
  // Main frame only (compared by frame tree node: WebFrameMain wrappers need not be the same object).
  if (!w || !frame || frame.frameTreeNodeId !== e.sender.mainFrame.frameTreeNodeId || !isAllowedSenderUrl(frame.url, origin))
    return undefined;
  return w;
}

const refused: Result<never> = { ok: false, error: 'Refused: this request did not come from an nsys-viewer window.' };

function openPath(path: string): void {
  const existing = registry.windowOfPath(path);
  if (existing !== undefined) {
    wins.get(existing)?.win.focus();
    return;
  }
  // The warm spare if its page is ready (issue 15): its page, WebGL and worker are already up.
  const spare = spareSlot.take();
  const w = spare ?? newWindow(basename(path));
  const win = w.win;
  const id = win.webContents.id;
  const entry = registry.add(id, path, basename(path));
  const client = w.client ?? new TraceWorkerClient(WORKER_FILE);
  w.client = client;
  const endOpen = (w.endOpen = beginOpen());
  const progress = (phase: string, fraction: number, state: OpenProgressEvent['state'], extra: Partial<OpenProgressEvent> = {}) =>
    w.outbox.push({ openId: entry.openId, name: entry.name, phase, fraction, state, ...extra });
  progress('start', 0, 'loading');
  const onLoaded = (r: { ok: true } | { ok: false; code: string; error: string }) => {
    w.completing = false;
    endOpen();
    if (r.ok) return;
    registry.setState(id, { kind: 'failed', error: r.error });
    progress(r.code, 0, 'failed', { error: r.error });
    void client.terminate();
  };
  w.opening = client
    .open({
      path,
      nsysPath: settings.nsysPath,
      // The spare's page already waits for its trace: the worker serves its first frame before the CPU rows.
      ...(spare ? { pageWaiting: true } : {}),
      // After the first frame the page follows the CPU rows through getTraceInfo().loading: 'done'
      // stays this open's latest event (a reloaded page must not go back to the loading screen).
      onProgress: (phase, f, message) => {
        if (!w.completing) progress(phase, f, 'loading', message ? { message } : {});
      },
      onLoaded,
    })
    .then((o) => {
      if (o.ok) {
        w.completing = o.loading === true;
        if (!w.completing) endOpen();
        registry.setState(id, { kind: 'ready', workerTraceId: o.workerTraceId });
        progress('done', 1, 'done', { traceId: entry.traceId });
        if (path !== SAMPLE_TRACE) rememberRecent(path);
        return;
      }
      endOpen();
      registry.setState(id, o.code === 'cancelled' ? { kind: 'cancelled' } : { kind: 'failed', error: o.error });
      progress(o.code, 0, o.code === 'cancelled' ? 'cancelled' : 'failed', o.code === 'cancelled' ? {} : { error: o.error });
      void client.terminate();
      if (o.code === 'nsys-missing') void offerLocateNsys(win, o.error, path);
    });
  if (spare) revealSpare(spare, basename(path));
}

function newWindow(name: string): Win {
  const win = createWindow(name);
  const w: Win = { win, outbox: newOutbox(win) };
  wins.set(win.webContents.id, w);
  return w;
}

function newOutbox(win: BrowserWindow): RendererOutbox<OpenProgressEvent> {
  return new RendererOutbox<OpenProgressEvent>(
    (ev) => {
      if (!win.isDestroyed()) win.webContents.send(IPC.openProgress, ev);
    },
    (ev) => ev.openId,
  );
}

/** Counts an open until it ends; the returned function ends it (once) and lets a spare be made when the app is idle. */
function beginOpen(): () => void {
  opensRunning++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    opensRunning--;
    scheduleSpare();
  };
}

function userWindowCount(): number {
  let n = 0;
  for (const w of wins.values()) if (!w.spare) n++;
  return n;
}

/** A spare once the app has been idle for SPARE_IDLE_MS (each open that ends restarts the wait). */
function scheduleSpare(): void {
  if (spareTimer) clearTimeout(spareTimer);
  spareTimer = undefined;
  if (!spareSlot.wanted(userWindowCount(), opensRunning)) return;
  spareTimer = setTimeout(() => {
    spareTimer = undefined;
    if (spareSlot.wanted(userWindowCount(), opensRunning)) createSpare();
  }, SPARE_IDLE_MS);
  // Never what keeps the process alive.
  spareTimer.unref?.();
}

/**
 * The warm spare: a hidden window loading our page (which asks listTraces and, while main holds the
 * answer, loads the timeline chunk and prewarms WebGL), and its trace worker started with no trace.
 */
function createSpare(): void {
  const win = createWindow(undefined, { spare: true });
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  const w: Win = { win, outbox: newOutbox(win), client: new TraceWorkerClient(WORKER_FILE), spare: { held, release } };
  wins.set(win.webContents.id, w);
  spareSlot.created(w);
  // A page that crashed or would not load would do so again: drop it, and make no other this session.
  const fail = (why: string) => {
    if (!spareSlot.failed(w)) return;
    console.warn(`nsys-viewer: the hidden spare window ${why}; opens load their own window from now on.`);
    release();
    if (!win.isDestroyed()) win.destroy();
  };
  win.webContents.on('render-process-gone', (_e, d) => fail(`stopped (${d.reason})`));
  win.webContents.on('did-fail-load', (_e, code, desc, _url, isMainFrame) => {
    if (isMainFrame) fail(`could not load its page (${desc || code})`);
  });
}

/** The spare becomes the open's window: shown, named, an ordinary window from now on; its page's listTraces answers. */
function revealSpare(w: Win, name: string): void {
  const spare = w.spare;
  w.spare = undefined;
  w.win.setTitle(`${name} — nsys-viewer`);
  w.win.webContents.setBackgroundThrottling(true);
  if (process.platform === 'darwin') w.win.excludedFromShownWindowsMenu = false;
  w.win.show();
  spare?.release();
}

/** Destroys the spare (and its worker, through 'closed'). */
function dropSpare(): void {
  const s = spareSlot.current;
  if (!s) return;
  spareSlot.gone(s);
  s.spare?.release();
  if (!s.win.isDestroyed()) s.win.destroy();
}

/**
 * Opens `path` into window `id`'s own worker as its second trace, to compare with: the page gets a
 * new opaque id (through the 'done' progress event) that only this window can use.
 */
function openCompare(id: number, path: string): Result<{ opening: boolean }> {
  const w = wins.get(id);
  if (!w?.client) return { ok: false, error: 'Open a trace in this window first, then add a second one to compare with.' };
  const added = registry.addCompare(id, path, basename(path));
  if (!added.ok) return added;
  const c = added.value;
  const client = w.client;
  const progress = (phase: string, fraction: number, state: OpenProgressEvent['state'], extra: Partial<OpenProgressEvent> = {}) =>
    w.outbox.push({ openId: c.openId, name: c.name, phase, fraction, state, compare: true, ...extra });
  progress('start', 0, 'loading');
  const endOpen = beginOpen();
  void client
    .open({ path, nsysPath: settings.nsysPath, compare: true, onProgress: (phase, f) => progress(phase, f, 'loading') })
    .then((o) => {
      endOpen();
      // Failed or cancelled, the worker holds no compare trace any more (the one this open replaced
      // was dropped when it started, src/main/worker/handler.ts): the window is back to its one trace.
      const cancelled = !o.ok && o.code === 'cancelled';
      registry.setCompareState(
        id,
        c.openId,
        o.ok ? { kind: 'ready', workerTraceId: o.workerTraceId } : cancelled ? { kind: 'cancelled' } : { kind: 'failed', error: o.error },
      );
      if (o.ok) {
        progress('done', 1, 'done', { traceId: c.traceId });
        if (path !== SAMPLE_TRACE) rememberRecent(path);
      } else if (cancelled) progress(o.code, 0, 'cancelled');
      else progress(o.code, 0, 'failed', { error: o.error });
    });
  return { ok: true, value: { opening: true } };
}

/** File → Compare With…: main runs the dialog; the page never names a path. */
async function showCompareDialog(w: Win): Promise<Result<{ opening: boolean }>> {
  const r = await dialog.showOpenDialog(w.win, {
    title: 'Compare with another Nsight Systems trace',
    properties: ['openFile'],
    filters: DIALOG_FILTERS,
  });
  if (r.canceled || !r.filePaths[0]) return { ok: true, value: { opening: false } };
  return openCompare(w.win.webContents.id, r.filePaths[0]);
}

/** A path the page handed over from a drop: a plain { path } naming an existing trace file. */
function checkDropped(payload: unknown): Result<string> {
  if (!isDroppedFile(payload)) return { ok: false, error: 'Malformed drop: expected { path }.' };
  const { path } = payload;
  if (!isAbsolute(path) || !hasTraceExtension(path))
    return { ok: false, error: `${basename(path).slice(0, 200)} is not a trace: drop a ${TRACE_EXTENSIONS.join(', ')} file.` };
  if (!isFile(path)) return { ok: false, error: `${basename(path).slice(0, 200)} is not a readable file.` };
  return { ok: true, value: path };
}

/** `name`: the trace's file name, in the title (none for the spare: it gets one when an open takes it). */
function createWindow(name: string | undefined, opts: { spare?: boolean } = {}): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    show: false,
    title: name ? `${name} — nsys-viewer` : 'nsys-viewer',
    backgroundColor: '#1e1f22',
    icon: ICON,
    webPreferences: {
      preload: PRELOAD_FILE,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would open links in new windows without going through setWindowOpenHandler's intent.
      disableBlinkFeatures: 'Auxclick',
      // The spare's page must go on loading and starting WebGL while hidden (revealSpare turns this back on).
      ...(opts.spare ? { backgroundThrottling: false } : {}),
    },
  });
  const id = win.webContents.id;
  // The spare stays hidden until an open takes it (revealSpare), and out of macOS's Window menu.
  if (opts.spare) {
    if (process.platform === 'darwin') win.excludedFromShownWindowsMenu = true;
  } else win.once('ready-to-show', () => win.show());
  // A reload starts a new page that must subscribe again before it gets events.
  win.webContents.on('did-navigate', () => wins.get(id)?.outbox.reset());
  win.on('closed', () => {
    const w = wins.get(id);
    wins.delete(id);
    registry.remove(id);
    void w?.client?.terminate();
    if (!w || spareSlot.gone(w)) return;
    w.endOpen?.();
    // Electron counts the hidden spare as a window: with the user's last window gone it must go too,
    // or 'window-all-closed' would never come and the app would not quit.
    if (spareSlot.mustDrop(userWindowCount())) dropSpare();
  });
  if (origin.devUrl) void win.loadURL(origin.devUrl);
  else void win.loadFile(RENDERER_FILE);
  return win;
}

/** Every web contents, present or future: no navigation, no webviews, new windows only as external links. */
function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  // The page has no links (no href, no window.open): a request to open anything can only come from
  // injected content, so it is denied outright rather than handed to the OS (shell.openExternal).
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

function setupSession(): void {
  const csp = buildCsp(origin.devUrl);
  session.defaultSession.webRequest.onHeadersReceived((details, done) =>
    done({ responseHeaders: withCspHeader(details.responseHeaders, csp) }),
  );
  // Refuse every permission but clipboard writes from our page (logic/permissions.ts says why).
  session.defaultSession.setPermissionRequestHandler((_wc, permission, done, details) =>
    done(isPermissionAllowed(permission, details.requestingUrl, origin)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
    isPermissionAllowed(permission, details.requestingUrl ?? requestingOrigin, origin),
  );
}

async function showOpenDialog(parent?: BrowserWindow): Promise<number> {
  const opts = {
    title: 'Open Nsight Systems trace',
    properties: ['openFile', 'multiSelections'] as ('openFile' | 'multiSelections')[],
    filters: DIALOG_FILTERS,
  };
  const r = parent ? await dialog.showOpenDialog(parent, opts) : await dialog.showOpenDialog(opts);
  if (r.canceled) return 0;
  for (const p of r.filePaths) openPath(p);
  return r.filePaths.length;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** File → Locate nsys…: the setting used when nsys is not on PATH or in the standard folders. */
async function chooseNsys(parent?: BrowserWindow): Promise<boolean> {
  const opts = {
    title: 'Locate the nsys program (Nsight Systems CLI)',
    properties: ['openFile', 'showHiddenFiles'] as ('openFile' | 'showHiddenFiles')[],
  };
  const r = parent ? await dialog.showOpenDialog(parent, opts) : await dialog.showOpenDialog(opts);
  if (r.canceled || r.filePaths.length === 0) return false;
  const check = validateNsysPath(r.filePaths[0], { isFile, isExecutable });
  if (!check.ok) {
    dialog.showErrorBox('nsys-viewer', check.error);
    return false;
  }
  settings = { ...settings, nsysPath: check.path };
  writeTextAtomic(userFile('settings.json'), serializeSettings(settings));
  buildMenu();
  return true;
}

async function offerLocateNsys(win: BrowserWindow, error: string, path: string): Promise<void> {
  if (win.isDestroyed()) return;
  const r = await dialog.showMessageBox(win, {
    type: 'warning',
    message: 'nsys is needed to open this report',
    detail: error,
    buttons: ['Locate nsys…', 'Close'],
    defaultId: 0,
    cancelId: 1,
  });
  if (r.response !== 0 || !(await chooseNsys(win))) return;
  if (!win.isDestroyed()) win.close();
  openPath(path);
}

function registerIpc(): void {
  ipcMain.handle(IPC.bridgeCall, async (e, payload: unknown): Promise<Result<unknown>> => {
    const w = senderWin(e);
    if (!w) return refused;
    const id = e.sender.id;
    let routed = routeBridgeCall(payload, id, registry);
    if (!routed.ok && registry.ofWindow(id)?.state.kind === 'loading') {
      // Still opening: answer when the open ends (the page shows "Loading…" meanwhile).
      await w.opening;
      routed = routeBridgeCall(payload, id, registry);
    }
    if (!routed.ok) return routed;
    const r = routed.value;
    if (r.kind === 'list') {
      let entry = registry.ofWindow(id);
      if (!entry && w.spare) {
        // The spare's page waits here (loading the timeline and WebGL meanwhile) until an open takes its window.
        spareSlot.pageReady(w);
        await w.spare.held;
        entry = registry.ofWindow(id);
      }
      if (!entry) return { ok: true, value: [] };
      if (entry.state.kind === 'loading') await w.opening;
      if (entry.state.kind !== 'ready') return { ok: false, error: stateMessage(entry) };
      const c = entry.compare;
      return {
        ok: true,
        value: [{ traceId: entry.traceId, name: entry.name }, ...(c?.state.kind === 'ready' ? [{ traceId: c.traceId, name: c.name }] : [])],
      };
    }
    if (r.kind === 'serve-command') {
      const cmd = serveCommand(r.path, r.fromNs, r.toNs);
      try {
        await clipboard.writeText(cmd.command);
      } catch (err) {
        return { ok: false, error: `Could not write to the clipboard: ${(err as Error).message.split('\n')[0]}` };
      }
      return { ok: true, value: { shown: cmd.shown } };
    }
    if (!w.client) return { ok: false, error: 'This window has no trace open.' };
    const result = await w.client.call(r.method, r.args);
    return result.ok ? { ok: true, value: toPageValue(r.method, result.value, r.entry.traceId) } : result;
  });
  ipcMain.on(IPC.rendererReady, (e) => senderWin(e)?.outbox.markReady());
  ipcMain.handle(IPC.openDialog, async (e): Promise<Result<{ opened: number }>> => {
    const w = senderWin(e);
    if (!w) return refused;
    return { ok: true, value: { opened: await showOpenDialog(w.win) } };
  });
  ipcMain.handle(IPC.openDroppedFile, (e, payload: unknown): Result<{ opened: boolean }> => {
    if (!senderWin(e)) return refused;
    const path = checkDropped(payload);
    if (!path.ok) return path;
    openPath(path.value);
    return { ok: true, value: { opened: true } };
  });
  ipcMain.handle(IPC.openDroppedCompare, (e, payload: unknown): Result<{ opening: boolean }> => {
    if (!senderWin(e)) return refused;
    const path = checkDropped(payload);
    if (!path.ok) return path;
    // The sender's own window: the compare trace is registered to it and to no other.
    return openCompare(e.sender.id, path.value);
  });
  ipcMain.handle(IPC.openCompareDialog, async (e): Promise<Result<{ opening: boolean }>> => {
    const w = senderWin(e);
    if (!w) return refused;
    return showCompareDialog(w);
  });
  ipcMain.handle(IPC.saveFiles, async (e, payload: unknown): Promise<Result<{ folder: string; written: string[] }>> => {
    const w = senderWin(e);
    if (!w) return refused;
    if (!isSaveFiles(payload))
      return { ok: false, error: 'Malformed save: expected { files: [{ fileName, data }] } with bare .csv/.png/.json names.' };
    const pick = await dialog.showOpenDialog(w.win, {
      title: `Save ${payload.files.length} file(s) into a folder`,
      buttonLabel: 'Save here',
      properties: ['openDirectory', 'createDirectory'],
    });
    if (pick.canceled || !pick.filePaths[0]) return { ok: false, error: 'No folder chosen: nothing was written.' };
    const plan = planSave(pick.filePaths[0], payload, existsSync);
    if (!plan.ok) return plan;
    const written: string[] = [];
    try {
      // 'wx': fail rather than replace a file that appeared after the check.
      for (const t of plan.targets) {
        await writeFile(t.path, t.data, { flag: 'wx' });
        written.push(basename(t.path));
      }
    } catch (err) {
      return {
        ok: false,
        error: `Could not write ${basename(plan.targets[written.length]?.path ?? '')} in ${pick.filePaths[0]}: ${(err as Error).message.split('\n')[0]}`,
      };
    }
    return { ok: true, value: { folder: pick.filePaths[0], written } };
  });
  ipcMain.handle(IPC.cancelOpen, (e, payload: unknown): Result<boolean> => {
    const w = senderWin(e);
    if (!w) return refused;
    if (!isCancelOpen(payload)) return { ok: false, error: 'Malformed cancel: expected { openId }.' };
    const entry = registry.loadingOpen(e.sender.id, payload.openId);
    const shown = registry.ofWindow(e.sender.id);
    if (!entry && w.completing && w.client && shown?.openId === payload.openId) {
      // Cancel after the first frame: the CPU rows are still read; ending the worker frees it all.
      w.completing = false;
      w.endOpen?.();
      const client = w.client;
      w.client = undefined;
      registry.setState(e.sender.id, { kind: 'cancelled' });
      w.outbox.push({ openId: shown.openId, name: shown.name, phase: 'cancelled', fraction: 0, state: 'cancelled' });
      void client.terminate();
      return { ok: true, value: true };
    }
    if (!entry || !w.client) return { ok: true, value: false };
    w.client.cancel();
    return { ok: true, value: true };
  });
}

function buildMenu(): void {
  const focused = () => BrowserWindow.getFocusedWindow() ?? undefined;
  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? recent.map((p) => ({ label: p, click: () => openPath(p) }))
    : [{ label: 'No recent files', enabled: false }];
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => void showOpenDialog(focused()) },
        {
          label: 'Compare With…',
          click: () => {
            const f = focused();
            const w = f && wins.get(f.webContents.id);
            if (!w) return;
            void showCompareDialog(w).then((r) => {
              if (!r.ok && !w.win.isDestroyed()) void dialog.showMessageBox(w.win, { type: 'info', message: r.error });
            });
          },
        },
        {
          label: 'Open Recent',
          submenu: [
            ...recentItems,
            { type: 'separator' },
            {
              label: 'Clear Menu',
              enabled: recent.length > 0,
              click: () => {
                recent = [];
                app.clearRecentDocuments();
                writeTextAtomic(userFile('recent.json'), serializeRecent(recent));
                buildMenu();
              },
            },
          ],
        },
        { type: 'separator' },
        { label: settings.nsysPath ? `Locate nsys… (now ${settings.nsysPath})` : 'Locate nsys…', click: () => void chooseNsys(focused()) },
        ...(settings.nsysPath
          ? [
              {
                label: 'Forget nsys Location',
                click: () => {
                  // Back to NSYS, PATH and the standard folders (src/core/io/nsys-locate.ts).
                  settings = { ...settings, nsysPath: undefined };
                  writeTextAtomic(userFile('settings.json'), serializeSettings(settings));
                  buildMenu();
                },
              },
            ]
          : []),
        { type: 'separator' },
        process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

const launch = new LaunchQueue(openPath);
const argvOptions = (cwd: string) => ({ cwd, defaultApp: process.defaultApp === true, platform: process.platform });

if (!app.requestSingleInstanceLock()) {
  // Another nsys-viewer runs: it receives our argv through 'second-instance' and opens the files.
  app.quit();
} else {
  app.on('second-instance', (_e, argv, workingDirectory) => {
    const { files } = filesFromArgv(argv, argvOptions(workingDirectory));
    for (const f of files) launch.add(f);
    if (files.length === 0) {
      const first = [...wins.values()].find((w) => !w.spare)?.win;
      if (first) {
        if (first.isMinimized()) first.restore();
        first.focus();
      }
    }
  });
  // macOS hands files over as events, the first ones before 'ready': listen from launch on.
  app.on('will-finish-launching', () => {
    app.on('open-file', (e, path) => {
      e.preventDefault();
      if (typeof path === 'string' && isAbsolute(path)) launch.add(path);
    });
  });
  app.on('web-contents-created', (_e, contents) => hardenContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && userWindowCount() === 0) void showOpenDialog();
  });
  void app.whenReady().then(() => {
    loadStores();
    setupSession();
    registerIpc();
    buildMenu();
    const { files, ignored } = filesFromArgv(process.argv, argvOptions(process.cwd()));
    if (ignored.length) console.warn(`nsys-viewer: not opening ${ignored.join(', ')} (open ${TRACE_EXTENSIONS.join(', ')} files).`);
    for (const f of files) launch.add(f);
    // No file named (npm start, a plain launch): show the bundled real trace rather than an empty window.
    if (launch.markReady() === 0) {
      if (isFile(SAMPLE_TRACE)) openPath(SAMPLE_TRACE);
      else void showOpenDialog();
    }
  });
}
