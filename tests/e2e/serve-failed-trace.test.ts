// `serve A B` where B cannot be opened: A is served as usual, B keeps its tab and shows its one-line
// error there (the command used to exit, taking A down with it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeError } from '../../src/core/io/errors';
import { openTrace } from '../../src/core/io/open-trace';
import { startServer, type FailedTrace, type RunningServer, type ServeTrace } from '../../src/server/server';
import { ensureRendererBuilt, openBrowser, openViewer, waitIdle, type Browser } from './browser';

let server: RunningServer;
let browser: Browser;
let dir: string;
let message: string;
beforeAll(async () => {
  ensureRendererBuilt();
  dir = mkdtempSync(join(tmpdir(), 'nsys-viewer-serve-failed-'));
  // A SQLite database that is not an nsys export: it passes serve's up-front sniff, then fails to open.
  const notes = join(dir, 'notes.sqlite');
  execFileSync('sqlite3', [notes, "CREATE TABLE notes(id INTEGER, body TEXT); INSERT INTO notes VALUES (1, 'hello');"]);
  // As the serve command does: an open that fails resolves to its file name and one-line message.
  const open = (p: string): Promise<ServeTrace | FailedTrace> =>
    openTrace(p).then(
      ({ model, name }) => ({ model, name }),
      (e: unknown) => ({ name: 'notes.sqlite', error: describeError(e) }),
    );
  const pending = [open(resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite')), open(notes)];
  message = ((await pending[1]) as FailedTrace).error;
  server = await startServer({ traces: [], pending });
  browser = await openBrowser();
  await openViewer(browser.page, server.url);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("serves the trace that opened and shows the other one's error in its tab", async () => {
  expect(message).toMatch(/^notes\.sqlite is a SQLite database but not an Nsight Systems export/);
  const page = browser.page;
  const tabs = page.locator('[data-testid="trace-tabs"] [role="tab"]');
  expect(await tabs.allTextContents()).toEqual(['streams.sqlite', 'notes.sqlite']);
  expect((await page.evaluate(() => window.__nsysAutomation!.state().rows)).length).toBeGreaterThan(0);
  await tabs.nth(1).click();
  await page.waitForSelector('[data-testid="trace-error"]', { timeout: 15_000 });
  expect(await page.locator('[data-testid="trace-error"]').textContent()).toBe(message);
  expect(await tabs.nth(1).getAttribute('aria-selected')).toBe('true');
  // Back to the good one: its timeline again.
  await tabs.nth(0).click();
  await page.waitForFunction(() => (window.__nsysAutomation?.state().rows.length ?? 0) > 0, undefined, { timeout: 15_000 });
  await waitIdle(page);
  expect(browser.errors).toEqual([]);
});
