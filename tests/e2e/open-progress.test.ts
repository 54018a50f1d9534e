// Issue 14: loading a big trace shows a progress bar that names the phase, and Cancel returns to the
// open screen with no error. `nsys-viewer serve` as a user runs it, on many_kernels (1.5M events, ~5 s
// to read on the 2-core machine): the page polls getOpenProgress, Cancel calls cancelOpen, serve
// ends that open's worker and keeps serving.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { sharedSqlite } from '../helpers/shared-sqlite';
import { itShared } from '../helpers/shared-traces';
import { ensureRendererBuilt, openBrowser, REPO, type Browser } from './browser';

const CLI = join(REPO, 'out/cli/nsys-viewer.cjs');
let child: ChildProcess | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  child?.kill('SIGKILL');
});

itShared(
  'the loading screen names the phase; Cancel stops the open and returns to the open screen',
  async () => {
    ensureRendererBuilt();
    if (!existsSync(CLI)) spawnSync('node', ['scripts/build-cli.mjs'], { cwd: REPO });
    const trace = sharedSqlite('many_kernels.sqlite');
    // Each step of the build waits 200 ms, so the open is still running when Cancel is clicked however
    // fast this machine reads the trace (quiet, it had loaded before the click: a flaky test).
    const proc = spawn('node', [CLI, 'serve', trace], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NSYS_VIEWER_SLOW_OPEN_MS: '200' },
    });
    child = proc;
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const url = await new Promise<string>((ok, fail) => {
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/.exec(out);
        if (m) ok(m[0]);
      });
      proc.on('exit', (code) => fail(new Error(`serve exited (${code}): ${out}${err}`)));
    });
    browser = await openBrowser();
    const page = browser.page;
    await page.goto(url);
    // Before the first frame (the loading screen) or after it (the strip over the GPU rows while the
    // CPU rows are read): a named phase and a Cancel button either way.
    const phase = page.locator('[data-testid="open-phase"]').first();
    await phase.waitFor({ timeout: 30_000 });
    const seen = await phase.textContent();
    console.log(`phase shown: ${seen}`);
    expect(['Starting', 'Reading the file', 'Reading tables', 'Building tracks', 'Analyses']).toContain(seen);
    const bar = page.locator('progress').first();
    expect(Number(await bar.getAttribute('value'))).toBeGreaterThanOrEqual(0);
    await page.locator('[data-testid="open-cancel"]').first().click();
    await page.waitForSelector('[data-testid="open-screen"]', { timeout: 15_000 });
    expect(await page.locator('.error').count()).toBe(0);
    // serve stopped that open (its worker ends) and keeps serving: nothing is left loading.
    await expect.poll(() => err, { timeout: 15_000 }).toContain(`opening ${basename(trace)} was cancelled from the page.`);
    expect(proc.exitCode).toBeNull();
    const progress = await page.evaluate(async () => {
      const token = new URLSearchParams(location.search).get('token')!;
      const r = await fetch('/api/getOpenProgress', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Nsys-Token': token },
        body: '[]',
      });
      return r.status;
    });
    expect(progress).toBe(200);
    await page.waitForTimeout(300);
    expect(await page.locator('[data-testid="open-screen"]').count()).toBe(1);
    expect(browser.errors).toEqual([]);
    const code = await new Promise<number | null>((ok) => {
      proc.removeAllListeners('exit');
      proc.on('exit', (c) => ok(c));
      proc.kill('SIGINT');
    });
    expect(code).toBe(0);
  },
  120_000,
);
