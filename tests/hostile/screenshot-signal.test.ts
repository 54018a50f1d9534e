import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../src/cli/commands/screenshot';
import { ensureRendererBuilt } from '../e2e/browser';
import { bundleCli, runCliProcess } from '../helpers/cli-bundle';
import { repoRoot } from '../helpers/paths';

const STREAMS = resolve(repoRoot, 'tests/fixtures/nsys-2025.3/streams.sqlite');
const tmp = mkdtempSync(join(tmpdir(), 'nsys-viewer-shot-signal-'));
let cli = '';
let dispose = () => undefined as void;
beforeAll(async () => {
  ({ cli, dispose } = await bundleCli('shot-signal'));
}, 60_000);
afterAll(() => {
  dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!findChromium())('screenshot: Ctrl-C', () => {
  it('closes Chromium and removes its profile from the temp folder (it was left in /tmp)', async () => {
    ensureRendererBuilt();
    const out = join(tmp, 'shot.png');
    const profiles = () => readdirSync(tmp).filter((f) => f.startsWith('nsys-viewer-shot-'));
    let seen = false;
    const r = await runCliProcess(cli, ['screenshot', STREAMS, '--from', '8440', '--to', '8540', '--out', out], {
      cwd: repoRoot,
      env: { TMPDIR: tmp },
      timeoutMs: 40_000,
      during: (child) => {
        const poll = setInterval(() => {
          // Chromium is running once its profile has files in it.
          const p = profiles();
          if (p.length && readdirSync(join(tmp, p[0])).length > 0) {
            seen = true;
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 50);
        child.on('exit', () => clearInterval(poll));
      },
    });
    expect(seen).toBe(true);
    expect(r.timedOut).toBe(false);
    expect([r.code, r.stderr]).toEqual([130, '']);
    expect(profiles()).toEqual([]);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
