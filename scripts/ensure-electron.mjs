#!/usr/bin/env node
// Runs before `electron-vite preview|dev|build` in `npm start`, `npm run dev` and `npm run dist`.
//
// Why: since Electron 42 the `electron` package no longer downloads its binary in a postinstall
// script; it fetches it lazily, the first time its own bin or `require('electron')` runs. electron-vite
// 6.0 does neither: it reads node_modules/electron/path.txt itself (written only by Electron's
// install.js) and stops with "Electron uninstall" (alex8088/electron-vite#904). So on a fresh clone the
// desktop app never started. Here we run Electron's own installer when the binary is missing, so every
// setting it honours keeps working: ELECTRON_MIRROR / ELECTRON_CUSTOM_DIR, electron_config_cache,
// electron_use_remote_checksums, force_no_cache, the checksums shipped in the package.
//
// `npm install` stays offline-safe: nothing here runs at install time.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const HELP =
  'set ELECTRON_MIRROR to a reachable mirror of github.com/electron/electron/releases/download/ ' +
  '(behind a proxy: HTTPS_PROXY with Node >= 22.21), or skip Electron: `npm run build` then ' +
  '`node out/cli/nsys-viewer.cjs serve TRACE` opens the same viewer in a browser';

function fail(line) {
  process.stderr.write(`ensure-electron: ${line}\n`);
  process.exit(1);
}

/** Mirrors install.js's own isInstalled(), so that a second start spawns nothing. */
function isInstalled(electronDir, version) {
  try {
    const exe = readFileSync(join(electronDir, 'path.txt'), 'utf8');
    const distVersion = readFileSync(join(electronDir, 'dist', 'version'), 'utf8')
      .replace(/^v/, '')
      .trim();
    return distVersion === version && existsSync(join(electronDir, 'dist', exe));
  } catch {
    return false;
  }
}

/** The last meaningful line of install.js's stderr (it prints a stack trace) as one short reason. */
function reasonOf(stderr) {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at '));
  const reason = lines.find((l) => /error|failed|did not match|response code/i.test(l)) ?? lines.at(-1) ?? 'no output';
  return reason.replace(/^(\w*Error): /, '');
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

// electron-vite takes ELECTRON_EXEC_PATH as the binary and never reads path.txt then.
if (process.env.ELECTRON_EXEC_PATH) process.exit(0);

let pkgPath;
try {
  pkgPath = require.resolve('electron/package.json');
} catch {
  fail('node_modules/electron is missing: run `npm install` first.');
}
const electronDir = dirname(pkgPath);
const { version } = JSON.parse(readFileSync(pkgPath, 'utf8'));
if (isInstalled(electronDir, version)) process.exit(0);

const mirror =
  process.env.ELECTRON_MIRROR || process.env.npm_config_electron_mirror || 'https://github.com/electron/electron/releases/download/';
process.stderr.write(`ensure-electron: downloading Electron ${version}'s binary (once) from ${mirror}\n`);

const env = { ...process.env };
// Node's fetch (which @electron/get 5 uses) honours HTTPS_PROXY only when asked to (Node >= 22.21).
if ((env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy) && env.NODE_USE_ENV_PROXY === undefined) {
  env.NODE_USE_ENV_PROXY = '1';
}
// install.js is a plain script with no exports; run it the way its `install-electron` bin does.
execFile(process.execPath, [join(electronDir, 'install.js')], { env, maxBuffer: 16 << 20 }, (err, _stdout, stderr) => {
  if (!err && isInstalled(electronDir, version)) process.exit(0);
  let reason = err ? reasonOf(stderr || err.message) : 'the installer exited without installing it';
  // Node's fetch hides the cause (ECONNREFUSED, ENOTFOUND, a proxy in the way) behind this text.
  if (reason === 'fetch failed') reason = `cannot reach ${hostOf(mirror)}: offline, or a proxy is needed`;
  fail(`could not install Electron ${version} (${reason}); ${HELP}.`);
});
