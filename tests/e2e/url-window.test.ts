// The serve page's link to a window: #from=MS&to=MS (ms since session start, exact to the ns)
// opens the timeline there, the fragment follows pans and zooms, and "Copy link" copies it.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import type { TraceModel } from '../../src/core/model/types';
import { startServer, type RunningServer } from '../../src/server/server';
import { type Browser, ensureRendererBuilt, openBrowser, openViewer, waitIdle } from './browser';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
let model: TraceModel;
let server: RunningServer;
let browser: Browser;
const page = () => browser.page;
const view = () => page().evaluate(() => window.__nsysAutomation!.state().view);

beforeAll(async () => {
  ensureRendererBuilt();
  ({ model } = await openTrace(STREAMS));
  server = await startServer({ traces: [{ model, name: 'streams.sqlite' }] });
  browser = await openBrowser(1200, 800);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('serve URL fragment #from=…&to=…', () => {
  // The first NVTX range ("step 0" in this trace): a window taken from the data, to the ns.
  const range = () => ({ t0: model.nvtx.startNs[0] - model.meta.sessionStartNs, t1: model.nvtx.endNs[0] - model.meta.sessionStartNs });
  const ms = (ns: number) => {
    const w = Math.floor(ns / 1e6);
    const f = String(ns - w * 1e6)
      .padStart(6, '0')
      .replace(/0+$/, '');
    return f ? `${w}.${f}` : String(w);
  };

  it('opens the timeline at the window the link names, to the ns', async () => {
    const { t0, t1 } = range();
    expect(t1 - t0).toBeGreaterThan(1000);
    // One ns past the range start: a window no float ms would hit by accident.
    await openViewer(page(), `${server.url}#from=${ms(t0 + 1)}&to=${ms(t1)}`);
    const v = await view();
    expect(v.t0 - model.meta.sessionStartNs).toBe(t0 + 1);
    expect(v.t1 - model.meta.sessionStartNs).toBe(t1);
    expect(browser.errors).toEqual([]);
  });

  it('follows the view (replaceState, the token kept) and the new link reopens the same window', async () => {
    const { t0, t1 } = range();
    const a = t0 + 123_457;
    const b = t1 - 1;
    const historyLength = await page().evaluate(() => history.length);
    await page().evaluate(
      ([x, y]) => window.__nsysAutomation!.view(x, y, true),
      [a + model.meta.sessionStartNs, b + model.meta.sessionStartNs],
    );
    await waitIdle(page());
    const want = `#from=${ms(a)}&to=${ms(b)}`;
    await page().waitForFunction((h) => location.hash === h, want, { timeout: 5000 });
    const url = page().url();
    expect(url).toContain(`?token=${server.token}`);
    expect(await page().evaluate(() => history.length)).toBe(historyLength);
    await page().goto('about:blank');
    await openViewer(page(), url);
    const v = await view();
    expect([v.t0 - model.meta.sessionStartNs, v.t1 - model.meta.sessionStartNs]).toEqual([a, b]);
  });

  it('"Copy link" copies the page URL with the window shown; a bad fragment is ignored (fit)', async () => {
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    await page().click('[data-testid="copy-link"]');
    await page().getByTestId('copy-link-note').waitFor({ timeout: 5000 });
    expect(await page().getByTestId('copy-link-note').textContent()).toBe('Copied the link to this window.');
    const copied = await page().evaluate(() => navigator.clipboard.readText());
    const v = await view();
    expect(copied).toBe(
      `${server.url}#from=${ms(Math.round(v.t0 - model.meta.sessionStartNs))}&to=${ms(Math.round(v.t1 - model.meta.sessionStartNs))}`,
    );
    await page().goto('about:blank');
    await openViewer(page(), `${server.url}#from=9&to=abc`);
    const fit = await view();
    expect(fit.t0).toBeLessThanOrEqual(model.meta.firstEventNs);
    expect(browser.errors).toEqual([]);
  });
});
