/**
 * The desktop app end to end, short of Electron's binary (which CI cannot download): the shell
 * (src/main/index.ts) and the trace worker bundled as the app ships them, Electron's main API from
 * fake-electron.ts, and the built renderer in real headless Chromium loaded from file:// with the
 * REAL preload (src/preload/index.ts) in front of it, its `electron` import served by
 * page-ipc-shim.ts. A real trace goes file → worker → IPC checks → preload → timeline pixels.
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeMessage } from '../../src/core/service/wire-codec';
import type { OpenProgressEvent } from '../../src/shared/bridge';
import { IPC } from '../../src/shared/ipc';
import { CHROMIUM, ensureRendererBuilt, waitIdle } from '../e2e/browser';
import { repoRoot, requireFile, tracePath } from '../helpers/paths';
import * as fakeElectron from './fake-electron';

const { FakeBrowserWindow, app, ipcMain } = fakeElectron;
const dir = join(repoRoot, 'node_modules', '.cache', 'nsys-viewer-tests', `desktop-${process.pid}`);
const userData = mkdtempSync(join(tmpdir(), 'nsys-viewer-userdata-'));
const chromeProfile = mkdtempSync(join(tmpdir(), 'nsys-viewer-chromium-'));
const streams = requireFile(tracePath('tests/fixtures/nsys-2025.3/streams.sqlite'));
const multiproc = requireFile(tracePath('tests/fixtures/nsys-2025.3/multiproc.sqlite'));
const cudaGraphs = requireFile(tracePath('tests/fixtures/nsys-2025.3/cuda_graphs.sqlite'));
// The same trace under two other paths (into the spare, then cold): a path already shown would only
// focus its window. The small cuda_graphs trace, so the page is most of what is timed;
// DESKTOP_E2E_TRACE=FILE.sqlite times another (e.g. many_kernels, 1.5M events).
const timed = process.env.DESKTOP_E2E_TRACE ?? cudaGraphs;
const timedTitle = `${basename(timed)} — nsys-viewer`;
const copies = mkdtempSync(join(tmpdir(), 'nsys-viewer-copies-'));
const copyOf = (sub: string) => {
  mkdirSync(join(copies, sub));
  const p = join(copies, sub, basename(timed));
  copyFileSync(timed, p);
  return p;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const savedArgv = process.argv;
let context: BrowserContext;
let page: Page;
let preloadJs = '';
const errors: string[] = [];
const delivered: OpenProgressEvent[] = [];
type FakeWindow = InstanceType<typeof FakeBrowserWindow>;
/** Windows the user sees or will: the hidden spare has the bare title until an open takes it (src/main/index.ts). */
const userWindows = () => FakeBrowserWindow.all.filter((w) => w.title !== 'nsys-viewer');
const spares = () => FakeBrowserWindow.getAllWindows().filter((w) => w.title === 'nsys-viewer' && !w.isVisible());

/**
 * Shows window `w`'s page in a Chromium tab of its own: the real preload in front of the built page,
 * its IPC routed as Electron routes it (the sender is this window's webContents, its frame the page's
 * real URL), main's sends delivered to it. `onProgress` sees the open-progress events it gets.
 */
async function attach(w: FakeWindow, tab: Page, onProgress?: (e: OpenProgressEvent) => void): Promise<Page> {
  const wc = w.webContents;
  tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  tab.on('pageerror', (e) => errors.push(e.message));
  const event = () => ({ sender: wc, senderFrame: { url: tab.mainFrame().url(), frameTreeNodeId: wc.mainFrame.frameTreeNodeId } });
  await tab.exposeFunction('__ipcInvoke', async (channel: string, json: string) => {
    const handler = ipcMain.handlers.get(channel) as ((e: unknown, p: unknown) => Promise<unknown>) | undefined;
    const result = handler ? await handler(event(), JSON.parse(json)) : { ok: false, error: `no handler for ${channel}` };
    return Buffer.from(encodeMessage(result)).toString('base64');
  });
  await tab.exposeFunction('__ipcSend', (channel: string, json: string) => {
    (ipcMain.listeners.get(channel) as (e: unknown, ...a: unknown[]) => void)?.(event(), ...(JSON.parse(json) as unknown[]));
  });
  wc.send = (channel: string, payload: unknown) => {
    if (channel === IPC.openProgress) onProgress?.(payload as OpenProgressEvent);
    void tab.evaluate(([c, p]) => (window as unknown as { __ipcEmit(c: string, p: unknown): void }).__ipcEmit(c, p), [
      channel,
      payload,
    ] as const);
  };
  await tab.addInitScript({ content: preloadJs });
  // realpath: node_modules may be a link (a worktree sharing an install), and the bundle names its real folder.
  expect(wc.mainFrame.url).toBe(pathToFileURL(join(realpathSync(dir), 'renderer', 'index.html')).href);
  await tab.goto(wc.mainFrame.url);
  return tab;
}

const electronTo = (path: string): Plugin => ({
  name: 'electron-stand-in',
  setup(b) {
    b.onResolve({ filter: /^electron$/ }, () => ({ path }));
  },
});

beforeAll(async () => {
  ensureRendererBuilt();
  mkdirSync(dir, { recursive: true });
  // The app's layout: main/index.cjs + main/trace-worker.cjs, ../renderer/index.html beside them.
  cpSync(join(repoRoot, 'out/renderer'), join(dir, 'renderer'), { recursive: true });
  const mainShim = join(dir, 'electron-main-shim.cjs');
  writeFileSync(mainShim, 'module.exports = globalThis.__nsysFakeElectron;\n');
  await build({
    entryPoints: { index: join(repoRoot, 'src/main/index.ts'), 'trace-worker': join(repoRoot, 'src/main/trace-worker.ts') },
    outdir: join(dir, 'main'),
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['sql.js'],
    plugins: [electronTo(mainShim)],
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
  const preload = await build({
    entryPoints: [join(repoRoot, 'src/preload/index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    write: false,
    plugins: [electronTo(join(repoRoot, 'tests/main/page-ipc-shim.ts'))],
    logLevel: 'warning',
  });

  (globalThis as { __nsysFakeElectron?: unknown }).__nsysFakeElectron = fakeElectron;
  app.userData = userData;
  app.appPath = repoRoot;
  process.argv = ['/opt/nsys-viewer/nsys-viewer', streams];
  createRequire(import.meta.url)(join(dir, 'main', 'index.cjs'));
  app.becomeReady();
  for (let i = 0; i < 200 && FakeBrowserWindow.all.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  preloadJs = preload.outputFiles[0].text;

  context = await chromium.launchPersistentContext(chromeProfile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    // Electron serves file:// module scripts; plain Chromium needs this switch to do the same.
    args: [
      '--no-sandbox',
      '--allow-file-access-from-files',
      '--disable-background-networking',
      '--no-first-run',
      '--enable-unsafe-swiftshader',
    ],
  });
  page = await attach(FakeBrowserWindow.all[0], context.pages()[0] ?? (await context.newPage()), (e) => delivered.push(e));
}, 240_000);

afterAll(async () => {
  process.argv = savedArgv;
  await context?.close();
  for (const w of FakeBrowserWindow.all) w.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(userData, { recursive: true, force: true });
  rmSync(chromeProfile, { recursive: true, force: true });
  rmSync(copies, { recursive: true, force: true });
});

it('a trace named on the command line is drawn by the real renderer through the real preload', async () => {
  await waitIdle(page, 60_000);
  expect(await page.title()).toBe('streams.sqlite — nsys-viewer');
  const st = await page.evaluate(() => window.__nsysAutomation!.state());
  expect(st.rows.some((r) => r.key.startsWith('lane:gpu/') && r.key.endsWith('/memcpy'))).toBe(true);
  expect(st.slicesLoaded).toBeGreaterThan(0);
  // DESKTOP_E2E_SHOT=file.png keeps a picture of the window for a human to look at.
  if (process.env.DESKTOP_E2E_SHOT) await page.screenshot({ path: process.env.DESKTOP_E2E_SHOT });
  // The page asked for progress (rendererReady), and got the held 'done' of this window's open.
  expect(delivered.at(-1)).toMatchObject({ name: 'streams.sqlite', state: 'done', fraction: 1 });
  // What the page was given: named functions only, and no path anywhere on screen.
  const keys = await page.evaluate(() => Object.keys(window.nsysBridge!).sort());
  expect(keys).toContain('getSlices');
  expect(keys).not.toContain('invoke');
  expect(await page.evaluate(() => document.body.innerText)).not.toContain(repoRoot);
  expect(errors).toEqual([]);
});

/** Drops `path` on the page as a file manager would (the shim's webUtils reads __testPath), with or without Alt. */
const dropOnPage = (path: string, altKey: boolean) =>
  page.evaluate(
    ([p, alt]) => {
      const dt = new DataTransfer();
      dt.items.add(Object.assign(new File([], p.split('/').pop()!), { __testPath: p }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, altKey: alt, bubbles: true, cancelable: true }));
    },
    [path, altKey] as const,
  );

/**
 * Chromium's processes under this test's profile, by pid: type (--type=, 'browser' for the first) and
 * proportional set size (kB, shared pages split between their users), for the spare's memory figure.
 */
function chromiumProcesses(): Map<number, { type: string; pssKb: number; rssKb: number }> {
  const out = new Map<number, { type: string; pssKb: number; rssKb: number }>();
  if (!existsSync('/proc/self/smaps_rollup')) return out;
  const parentOf = new Map<number, number>();
  const cmdOf = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parentOf.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmdOf.set(Number(d), readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // Gone while listed.
    }
  }
  const ours = new Set([...cmdOf].filter(([, c]) => c.includes(`--user-data-dir=${chromeProfile}`)).map(([pid]) => pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parentOf)
      if (!ours.has(pid) && ours.has(ppid)) {
        ours.add(pid);
        grew = true;
      }
  }
  for (const pid of ours) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
      out.set(pid, { type: /--type=(\S+)/.exec(cmdOf.get(pid) ?? '')?.[1] ?? 'browser', pssKb: kb('Pss'), rssKb: kb('Rss') });
    } catch {
      // Gone while read.
    }
  }
  return out;
}

/** performance.timeOrigin + the timeline's first frame with data: the wall clock the test's Date.now() reads too. */
const firstFrameWallMs = (tab: Page) => tab.evaluate(() => performance.timeOrigin + window.__nsysAutomation!.state().firstFrameAt);

// The warm spare window (issue 15, src/main/logic/spare-window.ts): the page's load is not on an open's path.
let sparePage: Page;
let intoSpare = '';
/**
 * When the open's 'done' (its GPU rows are ready) reached the page, Date.now(): at once in the spare,
 * whose page subscribed long before; in a new window, not before its page subscribed (RendererOutbox).
 */
let gpuRowsAt = 0;
const noteGpuRows = (e: OpenProgressEvent) => {
  if (e.state === 'done' && !e.compare) gpuRowsAt = Date.now();
};

it('after the first open a hidden spare window is made, and its page gets WebGL up before any second file is chosen', async () => {
  for (let i = 0; i < 600 && spares().length === 0; i++) await sleep(50);
  expect(spares().length).toBe(1);
  expect(userWindows().length).toBe(1);
  const spare = spares()[0];
  expect(spare.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, backgroundThrottling: false });
  const before = chromiumProcesses();
  sparePage = await attach(spare, await context.newPage(), noteGpuRows);
  await sparePage.waitForFunction(() => performance.getEntriesByName('nsys:webgl-prewarmed').length === 1, undefined, {
    timeout: 60_000,
    polling: 50,
  });
  // Main holds its trace list (an empty answer would have shown the open screen): the page waits, warm.
  expect(await sparePage.evaluate(() => performance.getEntriesByName('nsys:traces-asked').length)).toBe(1);
  expect(await sparePage.evaluate(() => performance.getEntriesByName('nsys:traces-listed').length)).toBe(0);
  expect(spare.isVisible()).toBe(false);
  expect(userWindows().length).toBe(1);
  const after = chromiumProcesses();
  const added = [...after].filter(([pid, p]) => !before.has(pid) && p.type === 'renderer');
  const gpu = (m: Map<number, { type: string; pssKb: number; rssKb: number }>) =>
    [...m.values()].filter((p) => p.type === 'gpu-process').reduce((a, p) => a + p.pssKb, 0);
  if (after.size)
    console.log(
      `desktop spare: ${added.length} new renderer process(es), ${added.map(([, p]) => `${(p.pssKb / 1024).toFixed(0)} MiB PSS / ${(p.rssKb / 1024).toFixed(0)} MiB RSS`).join(', ')}; GPU process +${((gpu(after) - gpu(before)) / 1024).toFixed(0)} MiB PSS (WebGL prewarmed)`,
    );
  expect(errors).toEqual([]);
});

it('a second file opens into the spare: the same window and page, shown, named, its first frame drawn', async () => {
  const spare = spares()[0];
  const windows = FakeBrowserWindow.all.length;
  const path = copyOf('spare');
  const chosenAt = Date.now();
  await dropOnPage(path, false);
  expect(FakeBrowserWindow.all.length).toBe(windows);
  expect(spare.isVisible()).toBe(true);
  expect(spare.title).toBe(timedTitle);
  await waitIdle(sparePage, 120_000);
  // The page's own steps after the GPU rows, on the same clock (ms since the file was chosen).
  const steps = await sparePage.evaluate(() => {
    const mark = (n: string) => performance.timeOrigin + (performance.getEntriesByName(n).at(-1)?.startTime ?? NaN);
    const m = window.__nsysAutomation!.state().marks;
    return { listed: mark('nsys:traces-listed'), info: mark('nsys:trace-info'), slicesAsked: performance.timeOrigin + m.slicesAsked };
  });
  const since = (t: number) => (t - chosenAt).toFixed(0);
  intoSpare =
    `${since(await firstFrameWallMs(sparePage))} ms into the warm spare ('done' at ${since(gpuRowsAt)} ms, list answered ` +
    `${since(steps.listed)}, trace info ${since(steps.info)}, slices asked ${since(steps.slicesAsked)})`;
  const st = await sparePage.evaluate(() => window.__nsysAutomation!.state());
  expect(st.slicesLoaded).toBeGreaterThan(0);
  expect(st.rows.some((r) => r.key.startsWith('lane:gpu/'))).toBe(true);
  expect(await sparePage.title()).toBe(timedTitle);
  // The page that waited in the spare is the one showing the trace (its held list answered it).
  const names = await sparePage.evaluate(async () => {
    const l = await window.nsysBridge!.listTraces();
    return l.ok ? l.value.map((t) => t.name) : l.error;
  });
  expect(names).toEqual([basename(timed)]);
  expect(errors).toEqual([]);
});

it('the same file opened cold (a spare whose page is not ready is left alone): file chosen → first frame, both printed', async () => {
  // The next spare, made once that open ended. Its page never loads here (no tab is attached to it), as
  // if it were still loading: the open must not wait for it but load a window of its own.
  for (let i = 0; i < 600 && spares().length === 0; i++) await sleep(50);
  expect(spares().length).toBe(1);
  const spare = spares()[0];
  const users = userWindows().length;
  const path = copyOf('cold');
  const chosenAt = Date.now();
  await dropOnPage(path, false);
  expect(userWindows().length).toBe(users + 1);
  expect(spare.isVisible()).toBe(false);
  expect(spares()).toEqual([spare]);
  const cold = userWindows().at(-1)!;
  expect(cold.title).toBe(timedTitle);
  gpuRowsAt = 0;
  const coldPage = await attach(cold, await context.newPage(), noteGpuRows);
  await waitIdle(coldPage, 120_000);
  const coldMs = (await firstFrameWallMs(coldPage)) - chosenAt;
  console.log(
    `desktop: file chosen → first frame, ${basename(timed)}: ${intoSpare}, ${coldMs.toFixed(0)} ms in a new window ('done' at ${(gpuRowsAt - chosenAt).toFixed(0)} ms)`,
  );
  await coldPage.close();
  await sparePage.close();
  expect(errors).toEqual([]);
});

it('dropping a file opens it in a new window; a File the page made up is refused without reaching main', async () => {
  const before = userWindows().length;
  const r = await page.evaluate(
    (p) =>
      window.nsysBridge &&
      (window.nsysBridge as unknown as { openDroppedFile(f: File): Promise<unknown> }).openDroppedFile(
        Object.assign(new File([], 'multiproc.sqlite'), { __testPath: p }),
      ),
    multiproc,
  );
  expect(r).toEqual({ ok: true, value: { opened: true } });
  expect(userWindows().length).toBe(before + 1);
  const forged = await page.evaluate(() =>
    (window.nsysBridge as unknown as { openDroppedFile(f: File): Promise<unknown> }).openDroppedFile(
      new File(['SQLite format 3'], 'evil.sqlite'),
    ),
  );
  expect(forged).toEqual({ ok: false, error: 'Only files dropped from your file manager can be opened.' });
  expect(userWindows().length).toBe(before + 1);
  expect(errors).toEqual([]);
});

it('a file dropped with Alt opens into the same window as a compare pair: compareTraces answers, the compare view shows both', async () => {
  const before = userWindows().length;
  await dropOnPage(multiproc, true);
  for (let i = 0; i < 600 && !delivered.some((e) => e.compare && e.state === 'done'); i++) await new Promise((r) => setTimeout(r, 50));
  const done = delivered.find((e) => e.compare && e.state === 'done');
  expect(done).toMatchObject({ name: 'multiproc.sqlite', fraction: 1 });
  // No new window: the second trace lives in this window's worker.
  expect(userWindows().length).toBe(before);
  await page.waitForSelector('[data-testid=compare-view]', { timeout: 60_000 });
  const r = await page.evaluate(async (b) => {
    const list = await window.nsysBridge!.listTraces();
    if (!list.ok) return list;
    const cmp = await window.nsysBridge!.compareTraces(list.value[0].traceId, b);
    return {
      names: list.value.map((t) => t.name),
      ids: list.value.map((t) => t.traceId),
      cmp: cmp.ok ? { a: cmp.value.a.file, b: cmp.value.b.file } : cmp,
    };
  }, done!.traceId!);
  expect(r).toMatchObject({ names: ['streams.sqlite', 'multiproc.sqlite'], cmp: { a: 'streams.sqlite', b: 'multiproc.sqlite' } });
  expect((r as { ids: string[] }).ids[1]).toBe(done!.traceId);
  // A File the page made up is refused for compare too, before reaching main.
  const forged = await page.evaluate(
    () =>
      window.nsysBridge &&
      (window.nsysBridge as unknown as { openDroppedCompareFile(f: File): Promise<unknown> }).openDroppedCompareFile(
        new File(['SQLite format 3'], 'evil.sqlite'),
      ),
  );
  expect(forged).toEqual({ ok: false, error: 'Only files dropped from your file manager can be opened.' });
  expect(errors).toEqual([]);
});

it("another window cannot reach this window's traces, the compare one included", async () => {
  const done = delivered.find((e) => e.compare && e.state === 'done')!;
  const own = delivered.find((e) => !e.compare && e.state === 'done' && e.name === 'streams.sqlite')!;
  const wc2 = userWindows().find((w) => w.title === 'multiproc.sqlite — nsys-viewer')!.webContents;
  const call = ipcMain.handlers.get(IPC.bridgeCall) as (
    e: unknown,
    p: unknown,
  ) => Promise<{ ok: boolean; value?: unknown; error?: string }>;
  const as2 = (method: string, args: unknown[]) =>
    call({ sender: wc2, senderFrame: { url: wc2.mainFrame.url, frameTreeNodeId: wc2.mainFrame.frameTreeNodeId } }, { method, args });
  const list2 = await as2('listTraces', []);
  expect(list2).toMatchObject({ ok: true, value: [{ name: 'multiproc.sqlite' }] });
  const id2 = (list2.value as { traceId: string }[])[0].traceId;
  expect(id2).not.toBe(done.traceId);
  for (const [method, args, bad] of [
    ['getTraceInfo', [done.traceId], done.traceId],
    ['compareTraces', [id2, done.traceId], done.traceId],
    ['compareTraces', [own.traceId, done.traceId], own.traceId],
  ] as const) {
    expect(await as2(method, [...args])).toEqual({ ok: false, error: `Unknown trace id "${bad}". Open the trace again.` });
  }
});

it('a plain drop (no modifier) on a window showing a trace still opens the file in its own window', async () => {
  const before = userWindows().length;
  await dropOnPage(cudaGraphs, false);
  for (let i = 0; i < 200 && userWindows().length === before; i++) await new Promise((r) => setTimeout(r, 10));
  expect(userWindows().length).toBe(before + 1);
  expect(userWindows().at(-1)!.title).toBe('cuda_graphs.sqlite — nsys-viewer');
  // This window still shows its compare pair.
  expect(await page.locator('[data-testid=compare-view]').count()).toBe(1);
  expect(errors).toEqual([]);
});

it('closing the last user window destroys the spare, so the app quits', async () => {
  for (let i = 0; i < 600 && spares().length === 0; i++) await sleep(50);
  const spare = spares()[0];
  expect(spare).toBeDefined();
  const quits = app.quitCalls;
  for (const w of userWindows()) w.close();
  expect(spare.isDestroyed()).toBe(true);
  expect(app.quitCalls).toBe(quits + 1);
});
