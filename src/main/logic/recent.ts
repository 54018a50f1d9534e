import { isAbsolute } from 'node:path';
import { hasTraceExtension, isPathString } from '../../shared/ipc';

/** Open Recent keeps this many files (the OS's own list, app.addRecentDocument, keeps its own). */
export const MAX_RECENT = 10;

/**
 * recent.json in userData: `{ "files": ["/abs/a.nsys-rep", ...] }`, most recent first. It is read
 * back as untrusted (edited by hand, half-written by a crash): anything that is not an absolute
 * trace path is dropped, never an error.
 */
export function parseRecent(json: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return [];
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [];
  const files = Object.prototype.hasOwnProperty.call(v, 'files') ? (v as { files: unknown }).files : undefined;
  if (!Array.isArray(files)) return [];
  const out: string[] = [];
  for (const f of files) {
    if (out.length >= MAX_RECENT) break;
    if (isPathString(f) && isAbsolute(f) && hasTraceExtension(f) && !out.includes(f)) out.push(f);
  }
  return out;
}

export function serializeRecent(files: readonly string[]): string {
  return `${JSON.stringify({ files: files.slice(0, MAX_RECENT) }, null, 2)}\n`;
}

/** Moves (or adds) `path` to the front. */
export function addRecent(files: readonly string[], path: string): string[] {
  if (!isPathString(path) || !isAbsolute(path)) return [...files];
  return [path, ...files.filter((f) => f !== path)].slice(0, MAX_RECENT);
}
