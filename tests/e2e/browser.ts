// Shared setup of the browser end-to-end tests and the timeline bench: build the renderer when it is
// missing or older than its sources, start headless Chromium on SwiftShader WebGL, read canvas pixels.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { openTrace } from '../../src/core/io/open-trace';
import type { TraceModel } from '../../src/core/model/types';
import { startServer, type RunningServer } from '../../src/server/server';

export const REPO = resolve(__dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RENDERER_INDEX = join(REPO, 'out/renderer/index.html');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

const fresh = () => {
  const sources = Math.max(
    newestMtime(join(REPO, 'src/renderer')),
    newestMtime(join(REPO, 'src/shared')),
    newestMtime(join(REPO, 'src/core')),
  );
  return existsSync(RENDERER_INDEX) && statSync(RENDERER_INDEX).mtimeMs >= sources;
};

/**
 * `npm test` builds first; running one test file alone still needs an up-to-date out/renderer.
 * Test files run in parallel workers: a lock folder keeps two of them from building at once.
 */
export function ensureRendererBuilt(): void {
  if (fresh()) return;
  const lock = join(REPO, 'out/.renderer-build.lock');
  mkdirSync(join(REPO, 'out'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for another renderer build (remove ${lock} if no build is running).`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    if (fresh()) return;
    const r = spawnSync('npx', ['vite', 'build', '--config', 'tests/e2e/vite.renderer.config.ts'], { cwd: REPO, encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`Renderer build failed (npx vite build --config tests/e2e/vite.renderer.config.ts):\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** console errors, page errors and CSP violations seen so far */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(width = 1400, height = 900): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH.`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'nsys-viewer-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    // E2E_DPR=2 runs the same tests on a HiDPI page (canvas resolution 2, CSS coordinates unchanged).
    deviceScaleFactor: Number(process.env.E2E_DPR ?? 1),
    args: [
      '--no-sandbox',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--enable-unsafe-swiftshader',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Load the viewer and wait until the first slices are drawn. */
export async function openViewer(page: Page, url: string, timeoutMs = 30_000): Promise<void> {
  await page.goto(url);
  await waitIdle(page, timeoutMs);
}

/** Wait until no slice fetch is in flight and a frame has been drawn after it. */
export async function waitIdle(page: Page, timeoutMs = 15_000): Promise<void> {
  await page.waitForFunction(() => window.__nsysAutomation?.ready() === true, undefined, { timeout: timeoutMs, polling: 50 });
  // Two animation frames: the one that consumed the data and one after it.
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
  await page.waitForFunction(() => window.__nsysAutomation?.ready() === true, undefined, { timeout: timeoutMs, polling: 50 });
}

/** RGB of the canvas pixel at page coordinates (WebGL canvas, preserveDrawingBuffer on). */
export async function pixelAt(page: Page, x: number, y: number): Promise<[number, number, number]> {
  return page.evaluate(
    ([px, py]) => {
      const canvas = document.querySelector('[data-testid="timeline"] canvas') as HTMLCanvasElement;
      const r = canvas.getBoundingClientRect();
      const sx = canvas.width / r.width;
      const c2 = document.createElement('canvas');
      c2.width = 1;
      c2.height = 1;
      const ctx = c2.getContext('2d')!;
      ctx.drawImage(canvas, Math.floor((px - r.left) * sx), Math.floor((py - r.top) * sx), 1, 1, 0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      return [d[0], d[1], d[2]] as [number, number, number];
    },
    [x, y] as const,
  );
}

export const rgb = (c: number): [number, number, number] => [(c >> 16) & 255, (c >> 8) & 255, c & 255];
export const near = (a: [number, number, number], b: [number, number, number], tol = 10) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

export interface ViewerSession {
  model: TraceModel;
  name: string;
  server: RunningServer;
  browser: Browser;
  close(): Promise<void>;
}

/** The common e2e setup: build the renderer if stale, open a real trace, serve it, show it in Chromium. */
export async function serveTraceInBrowser(tracePath: string, width = 1400, height = 900): Promise<ViewerSession> {
  ensureRendererBuilt();
  const { model, name } = await openTrace(tracePath);
  const server = await startServer({ traces: [{ model, name }] });
  const browser = await openBrowser(width, height);
  await openViewer(browser.page, server.url);
  return {
    model,
    name,
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
