// `nsys-viewer serve` as a user runs it: the bundled CLI prints a tokened 127.0.0.1 URL, serves the
// page there, and exits 0 on Ctrl-C (SIGINT); bad input gives one line naming the problem.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli';
import { ensureRendererBuilt, REPO } from './browser';

const CLI = join(REPO, 'out/cli/nsys-viewer.cjs');
const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');

function ensureCli(): void {
  if (existsSync(CLI)) return;
  const r = spawnSync('node', ['scripts/build-cli.mjs'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`CLI build failed: ${r.stderr}`);
}

describe('nsys-viewer serve', () => {
  it('prints a tokened URL, serves the page, and stops on SIGINT', async () => {
    ensureRendererBuilt();
    ensureCli();
    const child = spawn('node', [CLI, 'serve', STREAMS], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no URL within 30 s; output: ${out}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/);
        if (m) {
          clearTimeout(timer);
          ok(m[0]);
        }
      });
      child.on('exit', (code) => fail(new Error(`serve exited early (${code}): ${out}`)));
    });
    expect(out).toContain('streams.sqlite');
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root"></div>');
    expect((await fetch(url.replace(/token=.*/, 'token=wrong'))).status).toBe(403);
    const code = await new Promise<number | null>((ok) => {
      child.removeAllListeners('exit');
      child.on('exit', (c) => ok(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
  });

  it('--compare T#PID T#PID --align serves the trace once and puts the ranks and the alignment in the URL', async () => {
    ensureCli();
    const child = spawn('node', [CLI, 'serve', `${STREAMS}#11`, `${STREAMS}#12`, '--compare', '--align', 'phase:decode'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no URL within 30 s; output: ${out}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Press Ctrl-C')) {
          clearTimeout(timer);
          ok();
        }
      });
      child.on('exit', (code) => fail(new Error(`serve exited early (${code}): ${out}`)));
    });
    expect(out).toMatch(
      /^Serving streams\.sqlite at\n {2}http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}&compare=1&pidA=11&pidB=12&align=phase%3Adecode\n/,
    );
    child.removeAllListeners('exit');
    const code = await new Promise<number | null>((ok) => {
      child.on('exit', (c) => ok(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
  });

  it('--from/--to: the URL carries the window as #from=…&to=… (exact decimals); half a window or an empty one is refused', async () => {
    ensureCli();
    const child = spawn('node', [CLI, 'serve', STREAMS, '--from', '8440.000123', '--to', '8540'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no URL within 30 s; output: ${out}`)), 30_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/token=.*\n/.test(out)) {
            clearTimeout(timer);
            ok();
          }
        });
      });
      expect(out).toMatch(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}#from=8440\.000123&to=8540\n/);
    } finally {
      child.kill('SIGINT');
    }
    const half = await runCli('serve', STREAMS, '--from', '10');
    expect(half).toEqual({
      code: 2,
      out: '',
      err: expect.stringMatching(/^nsys-viewer serve: Give both --from and --to \(ms since session start\)\. Usage: /),
    });
    const empty = await runCli('serve', STREAMS, '--from', '20', '--to', '10');
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/^nsys-viewer serve: Empty window: --to \(10\) must be after --from \(20\)\.\n$/);
    const bad = await runCli('serve', STREAMS, '--from', '1e3', '--to', '2000');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/plain decimals, e\.g\. 8440\.5 \(got "1e3"\)/);
  });

  it('Ctrl-C while the trace is still loading (on its worker thread) stops cleanly, whatever the moment', async () => {
    ensureRendererBuilt();
    ensureCli();
    const big = resolve(REPO, '../shared/traces/llm_eager_pageable.sqlite');
    for (const delayMs of [0, 150, 400, 1500]) {
      const child = spawn('node', [CLI, 'serve', existsSync(big) ? big : STREAMS], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
      await new Promise<void>((ok) => child.stdout.on('data', (d: Buffer) => ((out += d.toString()), /token=/.test(out) && ok())));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running after 10 s'), 10_000))]);
      if (typeof code === 'string') child.kill('SIGKILL');
      expect(code, `SIGINT ${delayMs} ms after the URL; stderr: ${err}`).toBe(0);
    }
  }, 90_000);

  it('serve A B: one trace failing is reported and the other is still served (the command used to exit)', async () => {
    ensureRendererBuilt();
    ensureCli();
    const dir = mkdtempSync(join(tmpdir(), 'nsys-viewer-serve-ab-'));
    const notes = join(dir, 'notes.sqlite');
    execFileSync('sqlite3', [notes, 'CREATE TABLE notes(id INTEGER);']);
    const child = spawn('node', [CLI, 'serve', STREAMS, notes], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no "Serving the other" within 60 s; stdout: ${out} stderr: ${err}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Serving the other 1')) {
            clearTimeout(timer);
            ok();
          }
        });
        child.on('exit', (code) => fail(new Error(`serve exited (${code}): ${out} ${err}`)));
      });
      expect(err).toMatch(/^nsys-viewer serve: notes\.sqlite is a SQLite database but not an Nsight Systems export .*\n$/);
      const url = out.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/)![0];
      expect((await fetch(url)).status).toBe(200);
      const code = await new Promise<number | null>((ok) => {
        child.removeAllListeners('exit');
        child.on('exit', (c) => ok(c));
        child.kill('SIGINT');
      });
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('names the missing file and the bad flag', () => {
    ensureCli();
    const missing = spawnSync('node', [CLI, 'serve', '/nonexistent/trace.sqlite'], { encoding: 'utf8' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('trace.sqlite does not exist');
    const port = spawnSync('node', [CLI, 'serve', STREAMS, '--port', '70000'], { encoding: 'utf8' });
    expect(port.status).toBe(2);
    expect(port.stderr).toContain('--port must be an integer 0..65535');
    const none = spawnSync('node', [CLI, 'serve'], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('Missing TRACE');
  });
});
