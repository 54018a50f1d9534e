import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  createReadStream,
  existsSync,
  openSync,
  readSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, posix, resolve, win32 } from 'node:path';
import { CancelledError } from '../db/db';
import { TraceOpenError } from './errors';
import { MODEL_CACHE_NAME, MODEL_CACHE_TMP } from './model-cache';
import { compareVersions, locateNsys, type LocatorFs } from './nsys-locate';
import { parseSqliteHeader, type ReportSniff } from './sniff';

/** The real file system for the locator. */
export const nodeLocatorFs: LocatorFs = {
  isFile(p) {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  },
  listDir(p) {
    try {
      return readdirSync(p);
    } catch {
      return [];
    }
  },
};

/** `$NSYS_VIEWER_CACHE`, else `$XDG_CACHE_HOME/nsys-viewer`, else `~/.cache/nsys-viewer` (`%LOCALAPPDATA%` on Windows). */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env, platform: string = process.platform): string {
  const j = platform === 'win32' ? win32.join : posix.join;
  if (env.NSYS_VIEWER_CACHE) return env.NSYS_VIEWER_CACHE;
  if (env.XDG_CACHE_HOME) return j(env.XDG_CACHE_HOME, 'nsys-viewer');
  if (platform === 'win32' && env.LOCALAPPDATA) return j(env.LOCALAPPDATA, 'nsys-viewer', 'cache');
  if (platform === 'darwin') return j(homedir(), 'Library', 'Caches', 'nsys-viewer');
  return j(homedir(), '.cache', 'nsys-viewer');
}

/** Streams the file through sha256 (reports can be GBs; never read whole). */
export function sha256File(path: string, shouldCancel?: () => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const s = createReadStream(path, { highWaterMark: 1 << 20 });
    s.on('data', (chunk) => {
      if (shouldCancel?.()) {
        s.destroy();
        reject(new CancelledError());
        return;
      }
      h.update(chunk);
    });
    s.on('error', reject);
    s.on('end', () => resolve(h.digest('hex')));
  });
}

/** "NVIDIA Nsight Systems version 2022.4.2.1-df9881f" → "2022.4.2.1-df9881f". */
export function parseNsysVersion(output: string): string | null {
  const m = /version\s+(\d{4}\.\d+(?:\.\d+)*(?:-[0-9a-zA-Z]+)?)/i.exec(output);
  return m ? m[1] : null;
}

/** The first two parts, as users say it: "2025.3.1.0" → "2025.3". */
export function shortVersion(v: string): string {
  return v.split(/[.-]/).slice(0, 2).join('.');
}

/** The first three parts, as NVIDIA names its downloads: "2025.3.1.90-253135822126" → "2025.3.1". */
export function releaseVersion(v: string): string {
  return v.split('-')[0].split('.').slice(0, 3).join('.');
}

/**
 * True when an nsys of version `local` cannot be expected to read a report written by `recorded`:
 * nsys reads reports of its own release and older only (Debian's 2022.4.2 answers "Version not
 * supported" for 2023.3+ reports). Compared on year.release, so a newer patch of the same release
 * is still handed to nsys rather than refused here.
 */
export function reportNewerThanNsys(recorded: string, local: string): boolean {
  return compareVersions(shortVersion(recorded), shortVersion(local)) > 0;
}

/** A file name as a user types it in a shell: quoted when it holds spaces or shell characters. */
function shellWord(s: string): string {
  return /^[\w.@%+=:,/-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`;
}

/**
 * The one line for a report this nsys cannot read: which versions met, and the two ways out
 * (a newer nsys here, or `nsys export` where the report was recorded). `recordedBy` is null when
 * the report does not say (nsys itself refused it).
 */
export function tooOldMessage(reportPath: string, recordedBy: string | null, nsysVersion: string, nsysPath: string): string {
  const name = basename(reportPath);
  const exportCmd = `nsys export --type sqlite -o ${shellWord(name.replace(/\.(nsys-rep|qdrep)$/i, '') + '.sqlite')} ${shellWord(name)}`;
  const here = `the nsys found here is ${releaseVersion(nsysVersion)} (${nsysPath})`;
  return recordedBy
    ? `${name} was recorded by Nsight Systems ${releaseVersion(recordedBy)}; ${here}. Install Nsight Systems ${shortVersion(recordedBy)} or newer, or export it where it was recorded: ${exportCmd}`
    : `${name} was recorded by an Nsight Systems newer than this one; ${here}. Install the newest Nsight Systems, or export it where it was recorded: ${exportCmd}`;
}

/**
 * `nsys --version`, remembered in the cache folder per executable (path, size, mtime), so that a
 * second open of a cached report starts no process at all.
 */
export async function nsysVersion(
  nsysPath: string,
  cacheDir: string,
  opts: Pick<ExportOptions, 'shouldCancel' | 'timeoutMs' | 'onChild'> = {},
): Promise<string> {
  let key: string | null = null;
  try {
    const st = statSync(nsysPath);
    key = createHash('sha256').update(`${nsysPath}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 24);
    const remembered = join(cacheDir, `nsys-version-${key}.txt`);
    if (existsSync(remembered)) {
      const v = readFileSync(remembered, 'utf8').trim();
      if (v) return v;
    }
  } catch {
    key = null;
  }
  // The probe runs like the export (own process group, --timeout-s, cancel): a hung nsys here
  // would otherwise outlive a Ctrl-C or hold the open forever.
  const probeMs = Math.min(VERSION_PROBE_MS, opts.timeoutMs ?? VERSION_PROBE_MS);
  const { code, output: out } = await runNsys(
    nsysPath,
    ['--version'],
    { ...opts, timeoutMs: probeMs, onProgress: undefined },
    `nsys --version (${nsysPath})`,
  );
  if (code !== 0 && !parseNsysVersion(out)) {
    throw new TraceOpenError(
      'nsys-failed',
      `The nsys at ${nsysPath} does not run (--version exited ${code}). Reinstall Nsight Systems or point NSYS at a working nsys.`,
      nsysPath,
    );
  }
  const v = parseNsysVersion(out);
  if (!v) {
    throw new TraceOpenError(
      'nsys-failed',
      `${nsysPath} did not print an Nsight Systems version for --version. Point NSYS at the nsys executable of Nsight Systems.`,
      nsysPath,
    );
  }
  if (key) {
    try {
      ensureCacheDir(cacheDir);
      writeAtomic(join(cacheDir, `nsys-version-${key}.txt`), v);
    } catch {
      // The cache is an optimisation: a read-only cache folder only costs a --version run next time.
    }
  }
  return v;
}

/**
 * Creates the cache folder (owner-only, 0700) and any missing parents, one level at a time.
 * Not mkdirSync's `recursive`: under /proc it retries forever (NSYS_VIEWER_CACHE=/proc/self/x
 * spun at 100% CPU); here each level is tried once and the first failure is thrown.
 */
export function ensureCacheDir(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      if (!statSync(d).isDirectory()) throw Object.assign(new Error(`${d} is not a folder`), { code: 'ENOTDIR' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d, { mode: 0o700 });
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

export interface ExportOptions {
  nsysPath?: string;
  env?: Record<string, string | undefined>;
  platform?: string;
  locatorFs?: LocatorFs;
  cacheDir?: string;
  /** Exports beyond this total are removed, least recently opened first (default 20 GiB). */
  cacheMaxBytes?: number;
  shouldCancel?: () => boolean;
  /** 0..1 per phase; for 'export', parsed from nsys's "Exporting N events: [==42%   ]" output. */
  onProgress?: (fraction: number, phase: 'hash' | 'export') => void;
  timeoutMs?: number;
  /**
   * Told when an nsys process starts (with the temp file it writes, if any) and ends (null), so
   * that a host can stop it on its way out; default: this thread's registry (stopLiveNsys).
   */
  onChild?: (child: LiveNsys | null) => void;
}

/** The longest `nsys --version` may take (a cold start on a network home folder takes seconds). */
const VERSION_PROBE_MS = 60_000;
/** setTimeout's limit: longer delays overflow and fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface LiveNsys {
  pid: number;
  /** Process group leader (POSIX): the whole group is killed. */
  group: boolean;
  tmp?: string;
}

const live = new Set<LiveNsys>();
let exitHookInstalled = false;

/** Registers a running nsys; process exit (process.exit, a signal handler that exits) then stops it. */
export function trackLiveNsys(child: LiveNsys): () => void {
  live.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', stopLiveNsys);
  }
  return () => live.delete(child);
}

/**
 * Synchronously kills every nsys still running for this thread (its whole process group) and
 * removes its temporary export: for SIGTERM, `timeout`, a second Ctrl-C and process exit, where
 * there is no time left to wait for a graceful stop.
 */
export function stopLiveNsys(): void {
  for (const c of live) killNsys(c);
}

/** Kills one nsys (its group) at once and removes its temporary export. */
export function killNsys(c: LiveNsys): void {
  live.delete(c);
  try {
    if (c.group) process.kill(-c.pid, 'SIGKILL');
    else process.kill(c.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  if (c.tmp) removeQuietly(c.tmp);
}

export interface ExportResult {
  sqlitePath: string;
  /** False when a cached export was reused (nsys did not run). */
  exported: boolean;
  nsysPath: string;
  nsysVersion: string;
}

/** Runs nsys to turn a report into a SQLite export in the cache folder (or reuses the cached one). */
export async function exportReport(
  reportPath: string,
  report: ReportSniff,
  opts: ExportOptions & { ignoreCache?: boolean } = {},
): Promise<ExportResult> {
  const name = basename(reportPath);
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const located = locateNsys({ platform, env, fs: opts.locatorFs ?? nodeLocatorFs, explicit: opts.nsysPath });
  const recordedBy = report.recordedBy ? `Nsight Systems ${shortVersion(report.recordedBy)}` : null;
  if (!located.found) {
    const bad = located.badExplicit;
    const setting = bad?.source === 'option' ? 'the nsys path setting' : 'NSYS';
    throw new TraceOpenError(
      'nsys-missing',
      bad
        ? `${name} is an Nsight Systems report, which needs the nsys CLI to read, and ${setting} points at ${bad.path}, which is not an nsys executable. Point ${setting} at nsys (or clear it), or open a .sqlite exported with nsys export --type sqlite.`
        : `${name} is an Nsight Systems report, which needs the nsys CLI to read, and no nsys was found (looked in ${located.searched.join(', ')}). Install ${recordedBy ?? 'Nsight Systems'}${recordedBy ? ' or newer' : ''} and set NSYS=/path/to/nsys, or open a .sqlite exported with nsys export --type sqlite.`,
      reportPath,
    );
  }
  const nsysPath = located.found.path;
  const cacheDir = opts.cacheDir ?? defaultCacheDir(env, platform);
  try {
    ensureCacheDir(cacheDir);
    // Our own default folder, made 0755 by versions before this one: owner-only now.
    if (!opts.cacheDir && !env.NSYS_VIEWER_CACHE && platform !== 'win32' && (statSync(cacheDir).mode & 0o077) !== 0)
      chmodSync(cacheDir, 0o700);
  } catch (e) {
    throw new TraceOpenError(
      'nsys-failed',
      `Cannot create the cache folder ${cacheDir} for ${name}'s export (${(e as NodeJS.ErrnoException).code}). Set NSYS_VIEWER_CACHE to a writable folder.`,
      reportPath,
    );
  }
  const version = await nsysVersion(nsysPath, cacheDir, opts);
  // Before hashing or starting nsys: an older nsys would only answer "Version not supported".
  if (report.recordedBy && reportNewerThanNsys(report.recordedBy, version)) {
    throw new TraceOpenError('nsys-too-old', tooOldMessage(reportPath, report.recordedBy, version, nsysPath), reportPath);
  }
  opts.onProgress?.(0, 'hash');
  const hash = await sha256File(reportPath, opts.shouldCancel);
  opts.onProgress?.(1, 'hash');
  const target = join(cacheDir, `${hash.slice(0, 40)}-nsys-${version.replace(/[^0-9A-Za-z.-]/g, '_')}.sqlite`);
  if (opts.ignoreCache) removeQuietly(target);
  else if (isCompleteSqlite(target)) {
    markUsed(target);
    return { sqlitePath: target, exported: false, nsysPath, nsysVersion: version };
  }

  // nsys writes under a temporary name that is renamed only on success: a cancelled, timed-out or
  // failed export never leaves a half file that a later open would take for a finished one.
  const tmp = join(cacheDir, `${hash.slice(0, 40)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`);
  // Absolute, so that a report named "-x.nsys-rep" cannot reach nsys as an option.
  const args = ['export', '--type', 'sqlite', '--force-overwrite', 'true', '-o', tmp, resolve(reportPath)];
  try {
    const { code, output } = await runNsys(nsysPath, args, opts, `nsys export of ${name}`, tmp);
    if (code !== 0 || !isCompleteSqlite(tmp)) {
      // nsys 2022.4 prints "Version not supported: 36398880" for reports of a later release (also
      // for one whose version we could not read, or an equal-release report of a newer format).
      if (/Version not supported/i.test(output)) {
        throw new TraceOpenError('nsys-too-old', tooOldMessage(reportPath, report.recordedBy, version, nsysPath), reportPath);
      }
      const last = lastMeaningfulLine(output);
      throw new TraceOpenError(
        'nsys-failed',
        `nsys ${version} (${nsysPath}) could not export ${name} (exit ${code}${last ? `: ${last}` : ''}). Check that the report opens in Nsight Systems, or export it to .sqlite there.`,
        reportPath,
      );
    }
    // Exports hold command lines and environments: readable by their owner only (nsys creates the
    // file with the umask's 0644; the folder's 0700 covers the moment before this).
    chmodSync(tmp, 0o600);
    renameSync(tmp, target);
  } finally {
    removeQuietly(tmp);
  }
  pruneCache(cacheDir, target, opts.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES);
  return { sqlitePath: target, exported: true, nsysPath, nsysVersion: version };
}

export const DEFAULT_CACHE_MAX_BYTES = 20 * 2 ** 30;
const EXPORT_NAME = /^[0-9a-f]{40}-nsys-[0-9A-Za-z._-]+\.sqlite$/;
const TMP_NAME = /^[0-9a-f]{40}\.tmp-\d+-[0-9a-f]{8}\.sqlite$/;
const STALE_TMP_MS = 24 * 3600 * 1000;

/** A reuse sets the access time (not the mtime): pruning drops the least recently opened first. */
function markUsed(path: string): void {
  try {
    const st = statSync(path);
    utimesSync(path, Date.now() / 1000, st.mtimeMs / 1000);
    if ((st.mode & 0o077) !== 0) chmodSync(path, 0o600); // cached by a version that left it 0644
  } catch {
    // Read-only cache: pruning then goes by the last export instead.
  }
}

/**
 * Keeps the cache under `maxBytes` by removing the least recently used exports and persisted models
 * (model-cache.ts) (never `keep`, the
 * one just made), and temporary files a crashed export left more than a day ago. Only files with
 * our own naming are touched, whatever else the folder holds.
 */
export function pruneCache(cacheDir: string, keep: string, maxBytes: number): string[] {
  const removed: string[] = [];
  let entries: { path: string; size: number; usedMs: number }[] = [];
  const now = Date.now();
  for (const f of readdirSafe(cacheDir)) {
    const path = join(cacheDir, f);
    try {
      const st = statSync(path);
      if (TMP_NAME.test(f) || MODEL_CACHE_TMP.test(f)) {
        if (now - st.mtimeMs > STALE_TMP_MS) {
          unlinkSync(path);
          removed.push(path);
        }
      } else if (EXPORT_NAME.test(f) || MODEL_CACHE_NAME.test(f)) {
        entries.push({ path, size: st.size, usedMs: Math.max(st.atimeMs, st.mtimeMs) });
      }
    } catch {
      // Removed meanwhile by another process.
    }
  }
  let total = entries.reduce((a, e) => a + e.size, 0);
  entries = entries.filter((e) => e.path !== keep).sort((a, b) => a.usedMs - b.usedMs);
  for (const e of entries) {
    if (total <= maxBytes) break;
    try {
      unlinkSync(e.path);
      removed.push(e.path);
      total -= e.size;
    } catch {
      // In use elsewhere (Windows) or already gone: try the next one.
    }
  }
  return removed;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isCompleteSqlite(path: string): boolean {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size < 100) return false;
    // Only the 100-byte header: a cached export can be gigabytes.
    const head = new Uint8Array(100);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 100, 0);
    } finally {
      closeSync(fd);
    }
    const h = parseSqliteHeader(head);
    return !!h && (h.pageCount === null || st.size >= h.pageCount * h.pageSize);
  } catch {
    return false;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already renamed or never written.
  }
}

/**
 * The last line of nsys output that is not a progress bar: nsys 2022.4 draws "Exporting N events:
 * [==42%  ]", nsys 2025.3 "Processing N events: [==42%  ]" (tests/fixtures/nsys-2025.3/nsys-export-output.txt).
 */
export function lastMeaningfulLine(output: string): string {
  const lines = output
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter((l) => l && !/^(Exporting|Processing) .*\[.*%.*\]$/.test(l) && !/^\[?=*\d+%/.test(l));
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

/** Largest "NN%" in a chunk of nsys progress output ("Exporting 124 events: [===42%   ]"), as 0..1. */
export function parseExportPercent(chunk: string): number | null {
  let best: number | null = null;
  for (const m of chunk.matchAll(/(\d{1,3})%/g)) {
    const p = Number(m[1]);
    if (p <= 100 && (best === null || p > best)) best = p;
  }
  return best === null ? null : best / 100;
}

function runNsys(
  nsysPath: string,
  args: string[],
  opts: ExportOptions,
  what: string,
  tmp?: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // An argument array, never a shell string: report paths hold spaces and any characters.
    // Its own process group (POSIX) so that a cancel also stops anything nsys started.
    const group = process.platform !== 'win32';
    const child = spawn(nsysPath, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, detached: group });
    const liveChild: LiveNsys | null = child.pid ? { pid: child.pid, group, tmp } : null;
    const untrack = liveChild
      ? opts.onChild
        ? (opts.onChild(liveChild), () => opts.onChild!(null))
        : trackLiveNsys(liveChild)
      : () => undefined;
    let output = '';
    let settled = false;
    let lastFraction = -1;
    const onData = (buf: Buffer) => {
      const text = buf.toString('utf8');
      output = (output + text).slice(-64 * 1024);
      const f = parseExportPercent(text);
      if (f !== null && f > lastFraction) {
        lastFraction = f;
        opts.onProgress?.(f, 'export');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      untrack();
      fn();
    };
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (group && child.pid) process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        // Already gone.
      }
    };
    const kill = () => {
      signal('SIGTERM');
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) signal('SIGKILL');
      }, 2000).unref();
    };
    // On cancel or timeout the promise settles only once the child has exited, so the caller's
    // cleanup of the temporary file cannot race a still-writing nsys.
    let abort: Error | null = null;
    const poll = setInterval(() => {
      if (!abort && opts.shouldCancel?.()) {
        abort = new CancelledError();
        kill();
      }
    }, 100);
    const reportArg = args[args.length - 1];
    // Clamped: setTimeout fires at once past 2^31-1 ms (callers validate; this is the backstop).
    const timeoutMs = opts.timeoutMs !== undefined && opts.timeoutMs > 0 ? Math.min(opts.timeoutMs, MAX_TIMEOUT_MS) : undefined;
    const timer = timeoutMs
      ? setTimeout(() => {
          if (abort) return;
          abort = new TraceOpenError(
            'timeout',
            `${what} did not finish within ${formatSeconds(timeoutMs)} and was stopped. Allow more time, or export it yourself with nsys export --type sqlite and open the .sqlite.`,
            reportArg,
          );
          kill();
        }, timeoutMs)
      : null;
    child.on('error', (e: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          new TraceOpenError(
            'nsys-failed',
            `Cannot start ${nsysPath} (${e.code ?? e.message}) for ${what}. Check the nsys installation or set NSYS.`,
            reportArg,
          ),
        ),
      ),
    );
    child.on('close', (code) => finish(() => (abort ? reject(abort) : resolve({ code, output }))));
  });
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
