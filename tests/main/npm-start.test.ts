/**
 * `npm start` from a fresh clone, as a new user runs it, with no internet: Electron's binary comes from
 * a local mirror (ELECTRON_MIRROR) that serves a stand-in `electron` which records how it was launched.
 *
 * Since Electron 42 the binary is downloaded lazily and electron-vite 6 only reads
 * node_modules/electron/path.txt, so without scripts/ensure-electron.mjs this stops with
 * "Electron uninstall" after the build (the bug this test guards).
 *
 * The clone is of the committed HEAD (uncommitted edits are not in it). Its node_modules links every
 * package to this checkout's install except two, copied: `electron` (its installer writes dist/ and
 * path.txt beside itself, which must never land in the shared install) and `electron-vite` (it
 * resolves `electron` from its own real path, so a link would read the shared copy).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths';
import { makeZip } from '../helpers/zip';

const electronVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules/electron/package.json'), 'utf8')) as { version: string })
  .version;
// The stand-in is a shell script, so Linux only (Electron publishes x64 and arm64 builds there).
const zipName = `electron-v${electronVersion}-linux-${process.arch}.zip`;

let tmp: string;
let clone: string;
let record: string;
let server: Server;
let mirror: string;
let serving: 'nothing' | 'stand-in' = 'nothing';
const requests: string[] = [];

function linkNodeModules(from: string, to: string): void {
  mkdirSync(to);
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (name === 'electron') {
      // Never carry a binary someone already fetched into the shared install.
      const real = realpathSync(src);
      const fetched = [join(real, 'dist'), join(real, 'path.txt')];
      cpSync(real, join(to, name), { recursive: true, filter: (p) => !fetched.includes(p) });
    } else if (name === 'electron-vite') {
      cpSync(realpathSync(src), join(to, name), { recursive: true });
    } else if (name === '.bin') {
      // Same relative links, so that electron-vite's bin resolves to the copy above.
      mkdirSync(join(to, name));
      for (const bin of readdirSync(src)) symlinkSync(readlinkSync(join(src, bin)), join(to, name, bin));
    } else {
      symlinkSync(realpathSync(src), join(to, name));
    }
  }
}

function standInZip(): Buffer {
  const script = `#!/bin/sh\n# stand-in for Electron: records how electron-vite launched it\nprintf '%s\\n' "$PWD" "$@" > '${record}'\n`;
  return makeZip([
    { name: 'electron', data: Buffer.from(script), mode: 0o755 },
    { name: 'version', data: Buffer.from(`v${electronVersion}`), mode: 0o644 },
  ]);
}

function npmStart(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = {};
  // A user's shell, not the environment of the `npm test` running us (npm_* would leak its config).
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|electron_|NODE_OPTIONS$|NODE_ENV$|MODE$|VITEST|TEST$)/i.test(k)) env[k] = v;
  }
  Object.assign(env, {
    ELECTRON_MIRROR: `${mirror}/`,
    electron_use_remote_checksums: '1',
    electron_config_cache: join(tmp, 'electron-cache'),
    // As CI sets it: it only keeps `npm install` from downloading, never `npm start`.
    ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
    // The mirror is local even where CI sets a proxy (lower case wins where both are set).
    NO_PROXY: '127.0.0.1',
    no_proxy: '127.0.0.1',
    npm_config_update_notifier: 'false',
  });
  return new Promise((resolve) => {
    execFile('npm', ['start', ...args], { cwd: clone, env, maxBuffer: 64 << 20 }, (err, out, errOut) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out, err: errOut });
    });
  });
}

describe.skipIf(process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch))(
  'npm start on a fresh clone (Electron from a local mirror)',
  () => {
    beforeAll(async () => {
      tmp = realpathSync(mkdtempSync(join(tmpdir(), 'nsys-viewer-npm-start-')));
      clone = join(tmp, 'clone');
      record = join(tmp, 'electron-launch.txt');
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
      execFileSync('git', ['clone', '--quiet', '--no-checkout', repoRoot, clone]);
      execFileSync('git', ['checkout', '--quiet', head], { cwd: clone });
      linkNodeModules(join(repoRoot, 'node_modules'), join(clone, 'node_modules'));

      const zip = standInZip();
      const sums = `${createHash('sha256').update(zip).digest('hex')} *${zipName}\n`;
      server = createServer((req, res) => {
        requests.push(req.url ?? '');
        const body =
          serving === 'nothing'
            ? undefined
            : req.url === `/v${electronVersion}/${zipName}`
              ? zip
              : req.url === `/v${electronVersion}/SHASUMS256.txt`
                ? Buffer.from(sums)
                : undefined;
        res.writeHead(body ? 200 : 404).end(body ?? 'not here');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(() => {
      server?.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('mirror without the binary: one line saying what failed and what to do, non-zero exit, nothing built', async () => {
      serving = 'nothing';
      const r = await npmStart();
      expect(r.code).not.toBe(0);
      const ours = r.err.split('\n').filter((l) => l.startsWith('ensure-electron: could not'));
      expect(ours).toEqual([
        `ensure-electron: could not install Electron ${electronVersion} (Response code 404 (Not Found) for ${mirror}/v${electronVersion}/${zipName}); ` +
          'set ELECTRON_MIRROR to a reachable mirror of github.com/electron/electron/releases/download/ ' +
          '(behind a proxy: HTTPS_PROXY with Node >= 22.21), or skip Electron: `npm run build` then ' +
          '`node out/cli/nsys-viewer.cjs serve TRACE` opens the same viewer in a browser.',
      ]);
      expect(r.err).not.toMatch(/^\s+at /m); // no stack trace
      expect(requests).toContain(`/v${electronVersion}/${zipName}`);
      expect(existsSync(join(clone, 'node_modules/electron/path.txt'))).toBe(false);
      expect(existsSync(join(clone, 'out'))).toBe(false); // stopped before the 40 s build
    });

    it('downloads, checks and unpacks the binary, builds, and launches it on the built app with the given trace', async () => {
      serving = 'stand-in';
      requests.length = 0;
      const trace = 'tests/fixtures/nsys-2025.3/streams.sqlite';
      const r = await npmStart('--', '--', trace);
      expect(r.code, r.err).toBe(0);
      expect(requests).toEqual([`/v${electronVersion}/${zipName}`, `/v${electronVersion}/SHASUMS256.txt`]);
      expect(readFileSync(join(clone, 'node_modules/electron/path.txt'), 'utf8')).toBe('electron');
      // electron-vite starts Electron on the project (its package.json main) from the project folder.
      expect(readFileSync(record, 'utf8').split('\n')).toEqual([clone, '.', trace, '']);
      const main = (JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')) as { main: string }).main;
      expect(main).toBe('out/main/index.cjs');
      expect(existsSync(join(clone, main))).toBe(true);
      expect(existsSync(join(clone, 'out/renderer/index.html'))).toBe(true);
    }, 300_000);
  },
);
