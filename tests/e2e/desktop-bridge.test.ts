// The renderer on the desktop bridge path (window.nsysBridge, as src/preload exposes it): a stand-in
// preload, injected before the page loads, forwards the NsysBridge calls to the serve API and plays
// the DesktopBridge open sequence (progress events after rendererReady(), listTraces answered once
// the open is done). Checks the page waits for rendererReady, shows progress, then the timeline.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { openTrace } from '../../src/core/io/open-trace';
import { BRIDGE_METHODS } from '../../src/shared/bridge';
import { startServer, type RunningServer } from '../../src/server/server';
import { ensureRendererBuilt, openBrowser, waitIdle, type Browser } from './browser';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  ensureRendererBuilt();
  const { model, name } = await openTrace(resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite'));
  server = await startServer({ traces: [{ model, name }] });
  browser = await openBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs in the page before its scripts: a preload stand-in over the serve API (wire-codec decoding inlined). */
function installFakePreload(methods: string[]): void {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const decode = (buf: ArrayBuffer): unknown => {
    const n = new DataView(buf).getUint32(0, true);
    const h = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n))) as { v: unknown; b: [string, number, number][] };
    const start = (4 + n + 7) & ~7;
    const ctors: Record<string, new (b: ArrayBuffer, o: number, l: number) => unknown> = {
      Float64Array,
      Float32Array,
      Int32Array,
      Uint32Array,
      Uint16Array,
      Int16Array,
      Uint8Array,
      Int8Array,
    };
    const views = h.b.map(([t, o, l]) => new ctors[t](buf, start + o, l));
    const revive = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(revive);
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.$ta === 'number' && Object.keys(o).length === 1) return views[o.$ta];
        for (const k of Object.keys(o)) o[k] = revive(o[k]);
      }
      return v;
    };
    return revive(h.v);
  };
  const call = async (m: string, args: unknown[]) => {
    const r = await fetch(`/api/${m}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': token },
      body: JSON.stringify(args),
    });
    return decode(await r.arrayBuffer());
  };
  const log: string[] = [];
  let listener: ((e: unknown) => void) | null = null;
  let opened: () => void = () => {};
  const done = new Promise<void>((r) => (opened = r));
  const bridge: Record<string, unknown> = {};
  for (const m of methods) bridge[m] = (...args: unknown[]) => call(m, args);
  bridge.listTraces = async () => {
    log.push('listTraces');
    await done; // as in the desktop app: answered once this window's open finished
    return call('listTraces', []);
  };
  bridge.onOpenProgress = (l: (e: unknown) => void) => {
    log.push('onOpenProgress');
    listener = l;
    return () => (listener = null);
  };
  bridge.rendererReady = () => {
    log.push('rendererReady');
    const ev = (phase: string, fraction: number, state: string) => ({
      openId: 'o1',
      name: 'streams.sqlite',
      phase,
      fraction,
      state,
      traceId: state === 'done' ? 't1' : undefined,
    });
    setTimeout(() => listener?.(ev('kernels', 0.3, 'loading')), 50);
    // Held long enough for the test to see the progress line.
    (window as unknown as { __finishOpen: () => void }).__finishOpen = () => {
      listener?.(ev('done', 1, 'done'));
      opened();
    };
  };
  bridge.cancelOpen = async () => ({ ok: true, value: true });
  bridge.openDialog = async () => ({ ok: true, value: { opened: 0 } });
  bridge.openDroppedFile = async () => ({ ok: false, error: 'not in this test' });
  (window as unknown as { nsysBridge: unknown; __bridgeLog: string[] }).nsysBridge = bridge;
  (window as unknown as { __bridgeLog: string[] }).__bridgeLog = log;
}

it('subscribes, signals rendererReady, shows open progress, then draws the trace', async () => {
  const { page } = browser;
  await page.addInitScript(installFakePreload, [...BRIDGE_METHODS]);
  await page.goto(server.url);
  const progress = page.getByTestId('open-progress');
  await progress.waitFor({ timeout: 10_000 });
  await expect(progress.textContent()).resolves.toContain('Opening streams.sqlite: kernels 30%');
  const log = await page.evaluate(() => (window as unknown as { __bridgeLog: string[] }).__bridgeLog);
  expect(log.indexOf('onOpenProgress')).toBeGreaterThanOrEqual(0);
  expect(log.indexOf('onOpenProgress')).toBeLessThan(log.indexOf('rendererReady'));
  await page.evaluate(() => (window as unknown as { __finishOpen: () => void }).__finishOpen());
  await waitIdle(page, 20_000);
  const st = await page.evaluate(() => window.__nsysAutomation!.state());
  expect(st.rows.some((r) => r.key === 'lane:gpu/0/34/13/memcpy')).toBe(true);
  expect(st.slicesLoaded).toBeGreaterThan(0);
  // Desktop-only button.
  await expect(page.getByRole('button', { name: 'Open…' }).count()).resolves.toBe(1);
  expect(browser.errors).toEqual([]);
});
