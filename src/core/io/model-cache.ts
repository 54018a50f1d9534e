import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceModel } from '../model/types';

/**
 * The columnar model persisted in the per-user cache (issue 15: reopening an unchanged trace must
 * not parse it again). One file per trace, `<40 hex>.model`, beside the exported SQLite files and
 * pruned with them (pruneCache in nsys-export.ts). An entry is used only when all of these hold,
 * otherwise the trace is read again and the entry rewritten — never trusted:
 *  - its key matches: the code that built it (a hash of this running bundle, so any new build of
 *    the app misses), the file's real path, size, mtime and inode, its first and last 64 KiB
 *    (SQLite's header has a change counter at byte 24 that every write bumps) and the shown name;
 *  - its body's sha256 matches the header's (a torn or flipped byte reads as a miss).
 * Layout: "NSVMODL1", u32 LE header length, header JSON, zero padding to 8, body. The header holds
 * the model as JSON where each typed array is {"$ta": type, "o": byte offset in body, "n": length}.
 */
const MAGIC = 'NSVMODL1';
const FORMAT = 1;
export const MODEL_CACHE_NAME = /^[0-9a-f]{40}\.model$/;
export const MODEL_CACHE_TMP = /^[0-9a-f]{40}\.model\.tmp-\d+-[0-9a-f]{8}$/;
const EDGE_BYTES = 64 * 1024;

type TypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | BigInt64Array
  | BigUint64Array;
const CTORS = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  BigInt64Array,
  BigUint64Array,
} as const;
type CtorName = keyof typeof CTORS;

let codeHash: string | null | undefined;
/**
 * Hash of the file this code runs from (the CLI/worker/Electron bundle). From sources (vitest,
 * `.ts`) it would cover this one file only, not the readers, so there the cache is off by default.
 */
function codeFingerprint(): string | null {
  if (codeHash !== undefined) return codeHash;
  try {
    const file = fileURLToPath(import.meta.url);
    codeHash = file.endsWith('.ts') ? null : createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    codeHash = null;
  }
  return codeHash;
}

/** True when entries can be keyed to the running code (a built bundle, not sources). */
export function modelCacheAvailable(): boolean {
  return codeFingerprint() !== null;
}

/** The cache key of `sqlitePath` as `shownName`, or null when it cannot be computed. `code` overrides the bundle hash (tests). */
export function modelCacheKey(sqlitePath: string, shownName: string, code: string | null = codeFingerprint()): string | null {
  if (code === null) return null;
  try {
    const fd = openSync(sqlitePath, 'r');
    try {
      const st = fstatSync(fd);
      const h = createHash('sha256').update(
        `${FORMAT}\0${code}\0${realpathSync(sqlitePath)}\0${st.size}\0${st.mtimeMs}\0${st.ino}\0${shownName}\0`,
      );
      const edge = Buffer.alloc(Math.min(EDGE_BYTES, st.size));
      readSync(fd, edge, 0, edge.length, 0);
      h.update(edge);
      readSync(fd, edge, 0, edge.length, Math.max(0, st.size - edge.length));
      h.update(edge);
      return h.digest('hex').slice(0, 40);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

export function modelCachePath(cacheDir: string, key: string): string {
  return join(cacheDir, `${key}.model`);
}

function encode(v: unknown, parts: TypedArray[], offset: { bytes: number }): unknown {
  if (v === undefined) return { $u: 1 };
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $n: String(v) };
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (ArrayBuffer.isView(v)) {
    const a = v as TypedArray;
    const name = a.constructor.name as CtorName;
    if (!(name in CTORS)) throw new Error(`cannot persist ${name}`);
    const o = offset.bytes;
    parts.push(a);
    offset.bytes += Math.ceil(a.byteLength / 8) * 8;
    return { $ta: name, o, n: a.length };
  }
  if (Array.isArray(v)) return v.map((x) => encode(x, parts, offset));
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [encode(k, parts, offset), encode(x, parts, offset)]) };
  if (v instanceof Set) return { $set: [...v].map((x) => encode(x, parts, offset)) };
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k.startsWith('$') ? `$${k}` : k] = encode(x, parts, offset);
    return o;
  }
  throw new Error(`cannot persist a ${typeof v}`);
}

/** The body is read array by array into each array's own buffer (no file-sized copy), hashed as read. */
interface BodyReader {
  fd: number;
  at: number;
  /** Next expected offset in the body: arrays are stored in the order the tree lists them. */
  next: number;
  size: number;
  sha: ReturnType<typeof createHash>;
}

function readFully(body: BodyReader, into: Uint8Array, off: number): void {
  for (let got = 0; got < into.length;) {
    const r = readSync(body.fd, into, got, into.length - got, body.at + off + got);
    if (r <= 0) throw new Error('short read');
    got += r;
  }
}

function decode(v: unknown, body: BodyReader): unknown {
  if (Array.isArray(v)) return v.map((x) => decode(x, body));
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if ('$u' in o) return undefined;
  if ('$n' in o) return Number(o.$n);
  if ('$ta' in o) {
    const name = o.$ta as CtorName;
    const ctor = Object.hasOwn(CTORS, name) ? CTORS[name] : undefined;
    const off = o.o as number;
    const n = o.n as number;
    if (!ctor || off !== body.next || !Number.isInteger(n) || n < 0) throw new Error('bad array');
    const len = n * ctor.BYTES_PER_ELEMENT;
    const padded = Math.ceil(len / 8) * 8;
    if (off + padded > body.size) throw new Error('bad array');
    // Exactly the array's bytes in its own buffer (code may hand `.buffer` on whole), then the padding.
    const bytes = new ArrayBuffer(len);
    readFully(body, new Uint8Array(bytes), off);
    const pad = new Uint8Array(padded - len);
    readFully(body, pad, off + len);
    body.sha.update(new Uint8Array(bytes)).update(pad);
    body.next = off + padded;
    return new ctor(bytes);
  }
  if ('$map' in o) return new Map((o.$map as [unknown, unknown][]).map(([k, x]) => [decode(k, body), decode(x, body)]));
  if ('$set' in o) return new Set((o.$set as unknown[]).map((x) => decode(x, body)));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k.startsWith('$$') ? k.slice(1) : k] = decode(x, body);
  return out;
}

/** Writes the entry atomically (temporary file, then rename), readable by this user only. Streams the arrays: no body-sized copy. */
export function writeModelCache(cacheDir: string, key: string, model: TraceModel): string {
  const parts: TypedArray[] = [];
  const offset = { bytes: 0 };
  const tree = encode(model, parts, offset);
  const bytesOf = (a: TypedArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const padOf = (n: number) => new Uint8Array((8 - (n % 8)) % 8);
  const sha = createHash('sha256');
  for (const a of parts) sha.update(bytesOf(a)).update(padOf(a.byteLength));
  const header = Buffer.from(JSON.stringify({ format: FORMAT, key, bodyBytes: offset.bytes, sha256: sha.digest('hex'), model: tree }));
  const pre = Buffer.alloc(12);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(header.length, 8);
  const target = modelCachePath(cacheDir, key);
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeAll(fd, pre);
      writeAll(fd, header);
      writeAll(fd, padOf(12 + header.length));
      for (const a of parts) {
        writeAll(fd, bytesOf(a));
        writeAll(fd, padOf(a.byteLength));
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Never written.
    }
    throw e;
  }
  return target;
}

function writeAll(fd: number, b: Uint8Array): void {
  for (let at = 0; at < b.length;) at += writeSync(fd, b, at, b.length - at);
}

/** The cached model for `key`, or null when there is none or it does not validate (see above). */
export function readModelCache(cacheDir: string, key: string): TraceModel | null {
  const path = modelCachePath(cacheDir, key);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const pre = Buffer.alloc(12);
    if (size < 12 || readSync(fd, pre, 0, 12, 0) !== 12 || pre.toString('latin1', 0, 8) !== MAGIC) return null;
    const headerLen = pre.readUInt32LE(8);
    if (12 + headerLen > size) return null;
    const headerBytes = Buffer.alloc(headerLen);
    if (readSync(fd, headerBytes, 0, headerLen, 12) !== headerLen) return null;
    const header = JSON.parse(headerBytes.toString('utf8')) as {
      format?: unknown;
      key?: unknown;
      bodyBytes?: unknown;
      sha256?: unknown;
      model?: unknown;
    };
    const bodyAt = 12 + headerLen + ((8 - ((12 + headerLen) % 8)) % 8);
    if (header.format !== FORMAT || header.key !== key || header.bodyBytes !== size - bodyAt) return null;
    const body: BodyReader = { fd, at: bodyAt, next: 0, size: size - bodyAt, sha: createHash('sha256') };
    const model = decode(header.model, body) as TraceModel;
    if (body.next !== body.size || body.sha.digest('hex') !== header.sha256) return null;
    if (!model || typeof model !== 'object' || !model.kernels || !Array.isArray(model.tracks) || !Array.isArray(model.strings)) return null;
    try {
      // A reuse sets the access time: pruning drops the least recently opened first.
      utimesSync(path, Date.now() / 1000, fstatSync(fd).mtimeMs / 1000);
    } catch {
      // Read-only cache.
    }
    return model;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
