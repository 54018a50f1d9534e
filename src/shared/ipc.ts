/**
 * Electron IPC between the preload (src/preload) and main (src/main): channel names and a type guard
 * for every payload. Main treats the renderer as hostile (a compromised page must not reach files
 * or other windows' traces), so every handler runs the guard below before looking at a payload, and
 * answers Result values (src/shared/bridge.ts) instead of throwing across the process boundary.
 */
import type { BridgeMethod, OpenProgressEvent } from './bridge';
import { isBridgeMethod } from './bridge-table';

export { isBridgeMethod };

export const IPC = {
  /** invoke: BridgeCall → Result<value of that NsysBridge method>. */
  bridgeCall: 'nsys:bridge-call',
  /** send: no payload. The page has subscribed to progress; queued opens and events may flow. */
  rendererReady: 'nsys:renderer-ready',
  /** invoke: no payload → Result<{ opened: number }> (0 when the dialog was cancelled). */
  openDialog: 'nsys:open-dialog',
  /** invoke: DroppedFile (path from webUtils.getPathForFile, taken in the preload) → Result<{ opened: boolean }>. */
  openDroppedFile: 'nsys:open-dropped-file',
  /** invoke: no payload → Result<{ opening: boolean }>: main's file dialog, the file opens into this window to compare. */
  openCompareDialog: 'nsys:open-compare-dialog',
  /** invoke: DroppedFile (dropped with Alt or Shift) → Result<{ opening: true }>: opens into this window to compare. */
  openDroppedCompare: 'nsys:open-dropped-compare',
  /** invoke: CancelOpen → Result<boolean> (false when that open had already finished). */
  cancelOpen: 'nsys:cancel-open',
  /** main → renderer: OpenProgressEvent. */
  openProgress: 'nsys:open-progress',
  /** invoke: SaveFiles → Result<{ folder, written }> after a folder picker (Export selection…, Save PNG). */
  saveFiles: 'nsys:save-files',
} as const;

export type IpcChannel = (typeof IPC)[keyof typeof IPC];

/** Longest path we accept (Windows' extended-length limit); anything longer is an attack, not a file. */
export const MAX_PATH_CHARS = 32_767;
/** Longest opaque id (open ids and trace ids are minted by main and are far shorter). */
export const MAX_ID_CHARS = 128;
/** Most arguments any NsysBridge method takes. */
export const MAX_BRIDGE_ARGS = 8;

/** File types the app opens (dialog filters, drag and drop, argv, file associations). */
export const TRACE_EXTENSIONS = ['.nsys-rep', '.qdrep', '.sqlite'] as const;

export interface BridgeCall {
  method: BridgeMethod;
  args: unknown[];
}

export interface DroppedFile {
  path: string;
}

export interface CancelOpen {
  openId: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Own keys exactly `keys` (no extras such as "__proto__" or "constructor"). */
function hasExactKeys(o: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.getOwnPropertyNames(o);
  return own.length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(o, k));
}

/** Shape only: main then checks each argument's type (src/shared/bridge-table.ts) and the service checks meaning. */
export function isBridgeCall(v: unknown): v is BridgeCall {
  return (
    isPlainObject(v) &&
    hasExactKeys(v, ['method', 'args']) &&
    isBridgeMethod(v.method) &&
    Array.isArray(v.args) &&
    v.args.length <= MAX_BRIDGE_ARGS
  );
}

export function isOpaqueId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_CHARS && /^[A-Za-z0-9_-]+$/.test(v);
}

export function isCancelOpen(v: unknown): v is CancelOpen {
  return isPlainObject(v) && hasExactKeys(v, ['openId']) && isOpaqueId(v.openId);
}

/** A plausible local path (not empty, no NUL, bounded); main still checks extension and that it is a file. */
export function isPathString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_PATH_CHARS && !v.includes('\0');
}

export function isDroppedFile(v: unknown): v is DroppedFile {
  return isPlainObject(v) && hasExactKeys(v, ['path']) && isPathString(v.path);
}

export function hasTraceExtension(path: string): boolean {
  const lower = path.toLowerCase();
  return TRACE_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length && !/[\\/]$/.test(lower.slice(0, -ext.length)));
}

const PROGRESS_STATES = ['loading', 'done', 'failed', 'cancelled'] as const;

/** The preload checks events from main too: a bug in main must not hand the page a malformed object. */
export function isOpenProgressEvent(v: unknown): v is OpenProgressEvent {
  if (!isPlainObject(v)) return false;
  const ok =
    isOpaqueId(v.openId) &&
    typeof v.name === 'string' &&
    v.name.length <= 1024 &&
    typeof v.phase === 'string' &&
    v.phase.length <= 64 &&
    (v.message === undefined || (typeof v.message === 'string' && v.message.length <= 256)) &&
    typeof v.fraction === 'number' &&
    v.fraction >= 0 &&
    v.fraction <= 1 &&
    (PROGRESS_STATES as readonly unknown[]).includes(v.state) &&
    (v.traceId === undefined || isOpaqueId(v.traceId)) &&
    (v.compare === undefined || v.compare === true) &&
    (v.error === undefined || (typeof v.error === 'string' && v.error.length <= 8192));
  return ok;
}

/** What the page may ask main to write: files it generated (CSV exports, PNGs), by bare name only. */
export interface SaveFiles {
  files: { fileName: string; data: string | Uint8Array }[];
}

/** At most this many files per save (an export makes 5). */
export const MAX_SAVE_FILES = 16;
/** Per-file cap: a 140 ms window of 18k kernels is ~5 MB of CSV; whole-trace exports stay far below. */
export const MAX_SAVE_BYTES = 512 * 1024 * 1024;
const SAVE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._ -]{0,127}$/;
const SAVE_EXTENSIONS = ['.csv', '.png', '.json'];

/** A bare file name we generate: no separators, no "..", no device names' tricks, a known extension. */
export function isSaveFileName(v: unknown): v is string {
  if (typeof v !== 'string' || !SAVE_NAME.test(v) || v.includes('..')) return false;
  const lower = v.toLowerCase();
  return SAVE_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length) && !/[. ]$/.test(v);
}

export function isSaveFiles(v: unknown): v is SaveFiles {
  if (!isPlainObject(v) || !hasExactKeys(v, ['files']) || !Array.isArray(v.files)) return false;
  const files = v.files as unknown[];
  if (files.length === 0 || files.length > MAX_SAVE_FILES) return false;
  const names = new Set<string>();
  for (const f of files) {
    if (!isPlainObject(f) || !hasExactKeys(f, ['fileName', 'data']) || !isSaveFileName(f.fileName)) return false;
    const size = typeof f.data === 'string' ? f.data.length : f.data instanceof Uint8Array ? f.data.byteLength : -1;
    if (size < 0 || size > MAX_SAVE_BYTES) return false;
    // Case-insensitive file systems (macOS, Windows) would let one name overwrite another.
    const key = f.fileName.toLowerCase();
    if (names.has(key)) return false;
    names.add(key);
  }
  return true;
}
