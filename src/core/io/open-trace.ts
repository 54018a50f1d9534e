import { basename } from 'node:path';
import { buildModel } from '../model/build-model';
import type { TraceModel } from '../model/types';
import { openSqliteFile } from './open-sqlite';

export interface OpenProgress {
  phase: string;
  /** 0..1 */
  fraction: number;
  message?: string;
}

export interface OpenTraceOptions {
  /** Explicit nsys executable (a setting); otherwise NSYS env var, PATH, standard install folders. */
  nsysPath?: string;
  /** Where exported SQLite files are cached (never beside the user's file). */
  cacheDir?: string;
  shouldCancel?: () => boolean;
  onProgress?: (p: OpenProgress) => void;
  /** Limit for `nsys export` (ms). */
  timeoutMs?: number;
}

export interface OpenedTrace {
  model: TraceModel;
  /** File name shown to the user (no directory). */
  name: string;
  /** The SQLite that was read (the user's, or our cached export of their report). */
  sqlitePath: string;
  fromReport: boolean;
}

/** Opens a .sqlite export (or, via nsys, a .nsys-rep/.qdrep report) into the model. */
export async function openTrace(path: string, opts: OpenTraceOptions = {}): Promise<OpenedTrace> {
  const db = await openSqliteFile(path);
  try {
    const model = buildModel(db, {
      sourceName: basename(path),
      shouldCancel: opts.shouldCancel,
      onProgress: (phase, fraction) => opts.onProgress?.({ phase, fraction }),
    });
    return { model, name: basename(path), sqlitePath: path, fromReport: false };
  } finally {
    db.close();
  }
}
