import { mkdirSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { CancelledError } from '../db/db';
import { buildModelAsync } from '../model/build-model';
import type { TraceModel } from '../model/types';
import { TraceOpenError } from './errors';
import { modelCacheAvailable, modelCacheKey, readModelCache, writeModelCache } from './model-cache';
import { defaultCacheDir, DEFAULT_CACHE_MAX_BYTES, exportReport, pruneCache, type ExportOptions } from './nsys-export';
import type { LocatorFs } from './nsys-locate';
import { openNsysSqlite } from './open-sqlite';
import { sniffTrace, type ReportSniff } from './sniff';

export interface OpenProgress {
  /**
   * 'hash' and 'export' (reports only), 'read' (the SQLite file into memory), then the model's phases
   * ('tables', 'tracks', 'analyses', 'done'); hosts name them with src/shared/open-phases.ts.
   */
  phase: string;
  /** 0..1 of the whole open. */
  fraction: number;
  message?: string;
}

export interface OpenTraceOptions {
  /** Explicit nsys executable (a setting); otherwise NSYS env var, PATH, standard install folders. */
  nsysPath?: string;
  /** Where exported SQLite files are cached (never beside the user's file). Default: NSYS_VIEWER_CACHE, XDG_CACHE_HOME/nsys-viewer, ~/.cache/nsys-viewer. */
  cacheDir?: string;
  /** Cap on the export cache; the least recently opened exports go first. Default 20 GiB, or NSYS_VIEWER_CACHE_MAX_GB. */
  cacheMaxBytes?: number;
  shouldCancel?: () => boolean;
  onProgress?: (p: OpenProgress) => void;
  /** Progressive first frame: the GPU tables' model, before the CPU rows are read (BuildOptions.onGpuModel). */
  onGpuModel?: (partial: TraceModel) => void;
  /** See BuildOptions.betweenTables (a model read from the cache is built in one go and never calls it). */
  betweenTables?: () => Promise<void> | void;
  /** Limit for `nsys export` (ms). */
  timeoutMs?: number;
  /** Environment for finding nsys and the cache (tests inject one); default process.env. */
  env?: Record<string, string | undefined>;
  /** Platform rules for finding nsys (tests); default process.platform. */
  platform?: string;
  locatorFs?: LocatorFs;
  /** See ExportOptions.onChild (the worker entry forwards its nsys processes to the host thread). */
  onChild?: ExportOptions['onChild'];
  /**
   * Reuse / store the built model in the cache folder (issue 15). Default: on when running from a
   * built bundle (entries are keyed to its hash) unless NSYS_VIEWER_MODEL_CACHE=0; off from sources.
   */
  modelCache?: boolean;
  /** The code identity entries are keyed to (tests); default the running bundle's hash. */
  modelCacheCode?: string;
}

export interface OpenedTrace {
  model: TraceModel;
  /** File name shown to the user (no directory). */
  name: string;
  /** The SQLite that was read (the user's, or our cached export of their report). */
  sqlitePath: string;
  fromReport: boolean;
  /** Reports only: what the file's header and trailer say. */
  report?: ReportSniff & { nsysPath: string; nsysVersion: string; exported: boolean };
  /** The model came from the cache folder, not from reading the SQLite. */
  modelFromCache?: boolean;
}

// Share of the progress bar: for reports, hashing and `nsys export` come before the model.
const HASH_END = 0.05;
const EXPORT_END = 0.5;

/**
 * Opens a trace by its content: a SQLite export is read with sql.js or, when big, page by page
 * (open-sqlite.ts chooseReader; the file is never written); an Nsight Systems report (.nsys-rep/.qdrep) is first exported to SQLite by nsys into
 * the cache folder, keyed by the report's sha256 and the nsys version, and reused next time.
 * Failures are TraceOpenError (one line naming the file and what to do); cancel is CancelledError.
 */
export async function openTrace(path: string, opts: OpenTraceOptions = {}): Promise<OpenedTrace> {
  const name = basename(path);
  const sniff = sniffTrace(path);
  if (sniff.kind !== 'nsys-report') return loadModel(path, path, name, 0, undefined, opts);
  const exportOnce = async (ignoreCache: boolean) => {
    const r = await exportReport(path, sniff, {
      nsysPath: opts.nsysPath,
      env: opts.env,
      platform: opts.platform,
      locatorFs: opts.locatorFs,
      cacheDir: opts.cacheDir,
      cacheMaxBytes: opts.cacheMaxBytes ?? cacheMaxFromEnv(opts.env ?? process.env),
      shouldCancel: opts.shouldCancel,
      timeoutMs: opts.timeoutMs,
      onChild: opts.onChild,
      ignoreCache,
      onProgress: (f, phase) =>
        opts.onProgress?.({ phase, fraction: phase === 'hash' ? f * HASH_END : HASH_END + f * (EXPORT_END - HASH_END) }),
    });
    return { r, report: { ...sniff, nsysPath: r.nsysPath, nsysVersion: r.nsysVersion, exported: r.exported } };
  };
  const first = await exportOnce(false);
  try {
    return await loadModel(path, first.r.sqlitePath, name, EXPORT_END, first.report, opts);
  } catch (e) {
    // A cached export that does not read (a disk error, a crash mid-copy, someone's edit) would
    // otherwise fail every later open of this report and blame the report: drop it and export again.
    if (first.r.exported || !(e instanceof TraceOpenError)) throw e;
    const again = await exportOnce(true);
    return loadModel(path, again.r.sqlitePath, name, EXPORT_END, again.report, opts);
  }
}

async function loadModel(
  path: string,
  sqlitePath: string,
  name: string,
  modelFrom: number,
  report: OpenedTrace['report'],
  opts: OpenTraceOptions,
): Promise<OpenedTrace> {
  if (opts.shouldCancel?.()) throw new CancelledError();
  const env = opts.env ?? process.env;
  const useModelCache = opts.modelCache ?? (modelCacheAvailable() && env.NSYS_VIEWER_MODEL_CACHE !== '0');
  const cacheDir = opts.cacheDir ?? defaultCacheDir(env, opts.platform);
  const key = useModelCache ? modelCacheKey(sqlitePath, name, opts.modelCacheCode) : null;
  if (key) {
    const cached = readModelCache(cacheDir, key);
    if (cached) {
      opts.onProgress?.({ phase: 'done', fraction: 1 });
      return { model: cached, name, sqlitePath, fromReport: report !== undefined, report, modelFromCache: true };
    }
  }
  opts.onProgress?.({ phase: 'read', fraction: modelFrom, message: `${(statSync(sqlitePath).size / 1e6).toFixed(0)} MB` });
  const db = await openNsysSqlite(sqlitePath, name);
  if (opts.shouldCancel?.()) {
    db.close();
    throw new CancelledError();
  }
  try {
    let model: TraceModel;
    try {
      model = await buildModelAsync(db, {
        sourceName: name,
        shouldCancel: slowedForTests(opts.shouldCancel, opts.env ?? process.env),
        onGpuModel: opts.onGpuModel,
        betweenTables: opts.betweenTables,
        onProgress: (phase, fraction, message) =>
          opts.onProgress?.({ phase, fraction: modelFrom + fraction * (1 - modelFrom), ...(message ? { message } : {}) }),
      });
    } catch (e) {
      if (e instanceof CancelledError || e instanceof TraceOpenError) throw e;
      // An export whose tables do not read as nsys writes them (damaged pages, an unknown schema).
      throw new TraceOpenError(
        'corrupt',
        `${name} could not be read as an nsys export (${e instanceof Error ? e.message : String(e)}). Export it again with nsys export --type sqlite; if that keeps failing, report it with the nsys version that made it.`,
        path,
      );
    }
    if (key) storeModel(cacheDir, key, model, opts.cacheMaxBytes ?? cacheMaxFromEnv(env) ?? DEFAULT_CACHE_MAX_BYTES);
    return { model, name, sqlitePath, fromReport: report !== undefined, report };
  } finally {
    db.close();
  }
}

/** Best effort: a cache that cannot be written (full disk, read-only) only costs the next open its time. */
function storeModel(cacheDir: string, key: string, model: TraceModel, maxBytes: number): void {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const written = writeModelCache(cacheDir, key, model);
    pruneCache(cacheDir, written, maxBytes);
  } catch {
    // Next open reads the trace again.
  }
}

function cacheMaxFromEnv(env: Record<string, string | undefined>): number | undefined {
  const gb = Number(env.NSYS_VIEWER_CACHE_MAX_GB);
  return env.NSYS_VIEWER_CACHE_MAX_GB && Number.isFinite(gb) && gb > 0 ? gb * 2 ** 30 : undefined;
}

/**
 * NSYS_VIEWER_SLOW_OPEN_MS=N (tests only): every cancel poll of the model build (each table, then
 * every 65536 rows) first sleeps N ms, so that a browser test can see an open in progress and
 * cancel it on any machine, however fast it reads (tests/e2e/open-progress.test.ts). Unset, the
 * poll is the caller's own.
 */
function slowedForTests(shouldCancel: (() => boolean) | undefined, env: Record<string, string | undefined>): (() => boolean) | undefined {
  const ms = Number(env.NSYS_VIEWER_SLOW_OPEN_MS ?? '');
  if (!(ms > 0)) return shouldCancel;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  return () => {
    Atomics.wait(sleeper, 0, 0, Math.min(ms, 5000)); // a synchronous sleep: the build itself is synchronous
    return shouldCancel?.() ?? false;
  };
}
