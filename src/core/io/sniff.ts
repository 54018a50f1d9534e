import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { TraceOpenError } from './errors';

/**
 * What a file is, decided by its bytes (the extension only shapes the error message): a SQLite
 * database ("SQLite format 3\0" header) or an Nsight Systems report (.nsys-rep, legacy .qdrep).
 */
export type Sniffed = SqliteSniff | ReportSniff;

export interface SqliteSniff {
  kind: 'sqlite';
  sizeBytes: number;
  pageSize: number;
  /** Pages the header says the database has; null when that header field is not trustworthy. */
  pageCount: number | null;
}

export interface ReportSniff {
  kind: 'nsys-report';
  sizeBytes: number;
  /**
   * N from a "NVIDIA Tegra Profiler Report N." first line: 1 in nsys 2020.3–2022.4 reports,
   * 36398880 in some 2025.3 builds; null when the first line carries the writer's version instead
   * ("…Report 2025@3@1@90-253135822126v0.", most builds since 2023.3). Never shown to users: it
   * says nothing about which nsys can read the report.
   */
  formatVersion: number | null;
  /**
   * Nsight Systems version that wrote the report, e.g. "2025.3.1.0" or "2025.3.1.90-253135822126":
   * from the trailer, else from the first line; a build's trailing "v0" is dropped. Null if neither says.
   */
  recordedBy: string | null;
  /** False when the trailer's end marker is missing: the copy was cut short. */
  complete: boolean;
}

const SQLITE_MAGIC = 'SQLite format 3\0';
const REPORT_MAGIC = 'NVIDIA Tegra Profiler Report ';
const END_MARKER = 'U3w[END]';
export const REPORT_EXTENSIONS = ['.nsys-rep', '.qdrep'];

export function parseSqliteHeader(head: Uint8Array): { pageSize: number; pageCount: number | null } | null {
  if (head.length < 16 || latin1(head.subarray(0, 16)) !== SQLITE_MAGIC) return null;
  if (head.length < 100) return { pageSize: 0, pageCount: null };
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const raw = dv.getUint16(16);
  const pageSize = raw === 1 ? 65536 : raw;
  // The in-header page count is valid only when "version-valid-for" equals the change counter
  // (SQLite file format §1.3.7); older writers left it stale.
  const changeCounter = dv.getUint32(24);
  const validFor = dv.getUint32(92);
  const count = dv.getUint32(28);
  return { pageSize, pageCount: count > 0 && changeCounter === validFor ? count : null };
}

/**
 * The report's first line; null when the bytes are not an Nsight Systems report. Three forms:
 * - "NVIDIA Tegra Profiler Report 1.\n" (nsys 2020.3–2022.4; "36398880." in some 2025.3 builds);
 * - "NVIDIA Tegra Profiler Report 2025@3@1@90-253135822126v0.\n": the writer's version with "@"
 *   for "." (2024.6, 2025.3, 2025.5 in the corpus; seen from 2023.3 on, 2026.x keeps it);
 * - "NVIDIA Tegra Profiler Report 1.QDTEXT00" then binary, no newline (nsys 2022.1 on Windows).
 */
export function parseReportHeader(head: Uint8Array): { formatVersion: number | null; version: string | null } | null {
  const text = latin1(head.subarray(0, 96));
  const m = /^NVIDIA Tegra Profiler Report (?:(\d+)|(20\d\d(?:@\d+)+(?:-[0-9A-Za-z]+)?))\.(?:\r?\n|QDTEXT)/.exec(text);
  if (!m) return null;
  return m[1] !== undefined
    ? { formatVersion: Number(m[1]), version: null }
    : { formatVersion: null, version: normalizeVersion(m[2].replace(/@/g, '.')) };
}

/** "2025.3.1.90-253135822126v0" → "2025.3.1.90-253135822126": the "v0" is a build variant, not part of the version users know. */
function normalizeVersion(v: string): string {
  return v.replace(/v\d+$/, '');
}

/**
 * Reads the report trailer. Both nsys 2022.4 and 2025.3 end a report with an 8-byte little-endian
 * offset of its section directory followed by "U3w[END]". Just before the directory sits a
 * protobuf message whose field 6 is the recording nsys version ("2025.3.1.0", "2022.4.2.1-df9881f"
 * in 2022.4, "2025.5.1.121-255136380782v0" in 2024.6–2025.5 builds) and field 7 its build (2022.4)
 * or report format (2025.3).
 * We look for `0x32 len <version> 0x3a` there rather than decode the whole message.
 */
export function parseReportTrailer(tail: Uint8Array, fileSize: number): { complete: boolean; recordedBy: string | null } {
  if (tail.length < 16 || latin1(tail.subarray(tail.length - 8)) !== END_MARKER) return { complete: false, recordedBy: null };
  const dv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const dirOffset = Number(dv.getBigUint64(tail.length - 16, true));
  const tailStart = fileSize - tail.length;
  if (dirOffset <= 0 || dirOffset >= fileSize) return { complete: false, recordedBy: null };
  const end = Math.min(tail.length, Math.max(0, dirOffset - tailStart));
  let recordedBy: string | null = null;
  for (let i = 0; i + 2 < end; i++) {
    if (tail[i] !== 0x32) continue;
    const len = tail[i + 1];
    if (len < 6 || len > 40 || i + 2 + len >= end || tail[i + 2 + len] !== 0x3a) continue;
    const s = latin1(tail.subarray(i + 2, i + 2 + len));
    if (/^20\d\d\.\d+(\.\d+)*(-[0-9a-f]+)?(v\d+)?$/.test(s)) recordedBy = normalizeVersion(s); // the last one before the directory
  }
  return { complete: true, recordedBy };
}

/** Compressed containers by their magic bytes (xz, gzip, zstd, bzip2, zip, 7z). */
const COMPRESSED: { magic: number[]; ext: string; label: string; unpack: (name: string) => string }[] = [
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], ext: 'xz', label: 'xz', unpack: (n) => `xz -dk ${shq(n)}` },
  { magic: [0x1f, 0x8b], ext: 'gz', label: 'gzip', unpack: (n) => `gunzip -k ${shq(n)}` },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], ext: 'zst', label: 'zstd', unpack: (n) => `zstd -d ${shq(n)}` },
  { magic: [0x42, 0x5a, 0x68], ext: 'bz2', label: 'bzip2', unpack: (n) => `bunzip2 -k ${shq(n)}` },
  { magic: [0x50, 0x4b, 0x03, 0x04], ext: 'zip', label: 'zip', unpack: (n) => `unzip ${shq(n)}` },
  { magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], ext: '7z', label: '7z', unpack: (n) => `7z x ${shq(n)}` },
];

/** Shell-quoted only when needed, so the common case reads as typed. */
function shq(s: string): string {
  return /^[\w.,+@%/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function compressedAs(head: Uint8Array): (typeof COMPRESSED)[number] | null {
  return COMPRESSED.find((c) => c.magic.every((b, i) => head[i] === b)) ?? null;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function hexStart(b: Uint8Array): string {
  return Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Decides what `path` holds, or throws a TraceOpenError that says what is wrong with it. */
export function sniffTrace(path: string): Sniffed {
  const name = basename(path);
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) {
      throw new TraceOpenError(
        'not-a-file',
        `${name} is a folder, not a trace (${path}). Open the .nsys-rep report or the .sqlite export inside it.`,
        path,
      );
    }
    size = st.size;
  } catch (e) {
    if (e instanceof TraceOpenError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new TraceOpenError('not-found', `${name} does not exist (${path}). Check the path, or pick the file again.`, path);
    }
    throw new TraceOpenError(
      'not-found',
      `${name} cannot be read (${path}: ${code ?? String(e)}). Check the path and its permissions.`,
      path,
    );
  }
  const ext = extname(path).toLowerCase();
  if (size === 0) {
    throw new TraceOpenError(
      'empty-file',
      `${name} is empty (0 bytes): the profile, export or copy that made it did not finish. Record, export or copy it again.`,
      path,
    );
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new TraceOpenError(
      'not-found',
      `${name} cannot be read (${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}). Check its permissions.`,
      path,
    );
  }
  try {
    const head = readAt(fd, 0, Math.min(size, 128));
    const sq = parseSqliteHeader(head);
    if (sq) {
      const expected = sq.pageCount !== null ? sq.pageCount * sq.pageSize : null;
      if (size < 100 || (expected !== null && size < expected)) {
        throw new TraceOpenError(
          'truncated',
          `${name} is a truncated SQLite file: it has ${size} bytes${expected !== null ? ` but its header says ${expected}` : ''}. Copy it again, or export the report again with nsys export --type sqlite.`,
          path,
        );
      }
      return { kind: 'sqlite', sizeBytes: size, pageSize: sq.pageSize, pageCount: sq.pageCount };
    }
    const rep = parseReportHeader(head);
    if (rep) {
      const tail = readAt(fd, Math.max(0, size - 8192), Math.min(size, 8192));
      const { complete, recordedBy } = parseReportTrailer(tail, size);
      if (!complete) {
        throw new TraceOpenError(
          'truncated',
          `${name} is a truncated Nsight Systems report (${size} bytes, its end marker is missing). Copy it again from the machine that recorded it, or record it again.`,
          path,
        );
      }
      return { kind: 'nsys-report', sizeBytes: size, formatVersion: rep.formatVersion, recordedBy: recordedBy ?? rep.version, complete };
    }
    const packed = compressedAs(head);
    if (packed) {
      // Users share exports compressed (the shared traces ship as .sqlite.xz); we never unpack beside
      // their files, so say the command that does.
      const inner = name.replace(new RegExp(`\\.${packed.ext}$`, 'i'), '') || name;
      throw new TraceOpenError(
        'unknown-format',
        `${name} is ${packed.label}-compressed: unpack it first (${packed.unpack(name)}), then open ${inner}.`,
        path,
      );
    }
    const starts = `it starts with bytes ${hexStart(head)}`;
    if (ext === '.sqlite' || ext === '.db' || ext === '.sqlite3') {
      throw new TraceOpenError(
        'not-sqlite',
        `${name} is not a SQLite database (${starts}). Open an export made by nsys export --type sqlite, or the .nsys-rep report itself.`,
        path,
      );
    }
    if (REPORT_EXTENSIONS.includes(ext)) {
      throw new TraceOpenError(
        'unknown-format',
        `${name} is not an Nsight Systems report (no "${REPORT_MAGIC.trim()}" header; ${starts}). Open the .nsys-rep that nsys profile wrote, or its .sqlite export.`,
        path,
      );
    }
    throw new TraceOpenError(
      'unknown-format',
      `${name} is neither an Nsight Systems report (.nsys-rep, .qdrep) nor an nsys SQLite export (${starts}). Open one of those.`,
      path,
    );
  } finally {
    closeSync(fd);
  }
}
