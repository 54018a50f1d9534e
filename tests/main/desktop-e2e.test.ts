/**
 * The desktop app end to end, short of Electron's binary (which CI cannot download): the shell
 * (src/main/index.ts) and the trace worker bundled as the app ships them, Electron's main API from
 * fake-electron.ts, and the built renderer in real headless Chromium loaded from file:// with the
 * REAL preload (src/preload/index.ts) in front of it, its `electron` import served by
 * page-ipc-shim.ts. A real trace goes file → worker → IPC checks → preload → timeline pixels.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const savedArgv = process.argv;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];
const delivered: OpenProgressEvent[] = [];

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
  const wc = FakeBrowserWindow.all[0].webContents;

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
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  // IPC as Electron routes it: the sender is this window's webContents, its frame the page's real URL.
  const event = () => ({ sender: wc, senderFrame: { url: page.mainFrame().url(), frameTreeNodeId: wc.mainFrame.frameTreeNodeId } });
  await page.exposeFunction('__ipcInvoke', async (channel: string, json: string) => {
    const handler = ipcMain.handlers.get(channel) as ((e: unknown, p: unknown) => Promise<unknown>) | undefined;
    const result = handler ? await handler(event(), JSON.parse(json)) : { ok: false, error: `no handler for ${channel}` };
    return Buffer.from(encodeMessage(result)).toString('base64');
  });
  await page.exposeFunction('__ipcSend', (channel: string, json: string) => {
    (ipcMain.listeners.get(channel) as (e: unknown, ...a: unknown[]) => void)?.(event(), ...(JSON.parse(json) as unknown[]));
  });
  wc.send = (channel: string, payload: unknown) => {
    if (channel === IPC.openProgress) delivered.push(payload as OpenProgressEvent);
    void page.evaluate(([c, p]) => (window as unknown as { __ipcEmit(c: string, p: unknown): void }).__ipcEmit(c, p), [
      channel,
      payload,
    ] as const);
  };
  await page.addInitScript({ content: preload.outputFiles[0].text });
  expect(wc.mainFrame.url).toBe(pathToFileURL(join(dir, 'renderer', 'index.html')).href);
  await page.goto(wc.mainFrame.url);
}, 240_000);

afterAll(async () => {
  process.argv = savedArgv;
  await context?.close();
  for (const w of FakeBrowserWindow.all) w.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(userData, { recursive: true, force: true });
  rmSync(chromeProfile, { recursive: true, force: true });
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

it('dropping a file opens it in a new window; a File the page made up is refused without reaching main', async () => {
  const before = FakeBrowserWindow.all.length;
  const r = await page.evaluate(
    (p) =>
      window.nsysBridge &&
      (window.nsysBridge as unknown as { openDroppedFile(f: File): Promise<unknown> }).openDroppedFile(
        Object.assign(new File([], 'multiproc.sqlite'), { __testPath: p }),
      ),
    multiproc,
  );
  expect(r).toEqual({ ok: true, value: { opened: true } });
  expect(FakeBrowserWindow.all.length).toBe(before + 1);
  const forged = await page.evaluate(() =>
    (window.nsysBridge as unknown as { openDroppedFile(f: File): Promise<unknown> }).openDroppedFile(
      new File(['SQLite format 3'], 'evil.sqlite'),
    ),
  );
  expect(forged).toEqual({ ok: false, error: 'Only files dropped from your file manager can be opened.' });
  expect(FakeBrowserWindow.all.length).toBe(before + 1);
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

it('a file dropped with Alt opens into the same window as a compare pair: compareTraces answers, the compare view shows both', async () => {
  const before = FakeBrowserWindow.all.length;
  await dropOnPage(multiproc, true);
  for (let i = 0; i < 600 && !delivered.some((e) => e.compare && e.state === 'done'); i++) await new Promise((r) => setTimeout(r, 50));
  const done = delivered.find((e) => e.compare && e.state === 'done');
  expect(done).toMatchObject({ name: 'multiproc.sqlite', fraction: 1 });
  // No new window: the second trace lives in this window's worker.
  expect(FakeBrowserWindow.all.length).toBe(before);
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
  const wc2 = FakeBrowserWindow.all[1].webContents;
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
  const before = FakeBrowserWindow.all.length;
  const cuda = requireFile(tracePath('tests/fixtures/nsys-2025.3/cuda_graphs.sqlite'));
  await dropOnPage(cuda, false);
  for (let i = 0; i < 200 && FakeBrowserWindow.all.length === before; i++) await new Promise((r) => setTimeout(r, 10));
  expect(FakeBrowserWindow.all.length).toBe(before + 1);
  expect(FakeBrowserWindow.all.at(-1)!.options.title).toBe('cuda_graphs.sqlite — nsys-viewer');
  // This window still shows its compare pair.
  expect(await page.locator('[data-testid=compare-view]').count()).toBe(1);
  expect(errors).toEqual([]);
});
