import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../src/core/db/db';
import { TraceOpenError } from '../src/core/io/errors';
import { defaultCacheDir, lastMeaningfulLine, nodeLocatorFs, parseExportPercent, parseNsysVersion } from '../src/core/io/nsys-export';
import { compareVersions, locateNsys, standardNsysPaths, type LocatorFs } from '../src/core/io/nsys-locate';
import { openTrace, type OpenProgress } from '../src/core/io/open-trace';
import { parseReportHeader, sniffTrace } from '../src/core/io/sniff';
import { repoRoot, sharedTraces } from './helpers/paths';
import { itShared } from './helpers/shared-traces';
import { dumpTrace } from './helpers/trace-snapshot';

const F2025 = resolve(repoRoot, 'tests/fixtures/nsys-2025.3');
const F2022 = resolve(repoRoot, 'tests/fixtures/nsys-2022.4');
const tmpRoot = mkdtempSync(join(tmpdir(), 'nsys-viewer-open-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let tmpN = 0;
const tmp = (name = 'd') => {
  const d = join(tmpRoot, `${tmpN++}-${name}`);
  execFileSync('mkdir', ['-p', d]);
  return d;
};

/** The nsys this machine has (CI installs Debian's 2022.4 via .ci/vendor/install-nsys.sh). */
const realNsys = locateNsys({ platform: process.platform, env: process.env, fs: nodeLocatorFs }).found?.path ?? null;

describe('sniffing by content', () => {
  it('reads the report format and recording nsys from real 2025.3 and 2022.4 reports', () => {
    for (const f of ['streams', 'multiproc']) {
      const s = sniffTrace(join(F2025, `${f}.nsys-rep`));
      expect(s).toMatchObject({ kind: 'nsys-report', formatVersion: 36398880, recordedBy: '2025.3.1.0', complete: true });
    }
    const old = sniffTrace(join(F2022, 'cpu_nvtx.nsys-rep'));
    expect(old).toMatchObject({ kind: 'nsys-report', formatVersion: 1, recordedBy: '2022.4.2.1-df9881f', complete: true });
  });

  it('reads the three first-line forms nsys has written (bytes as in ../shared/corpus)', () => {
    const head = (s: string) => new Uint8Array(Buffer.from(s + '\x0bLocal (CLI)', 'latin1'));
    // 2020.3–2022.4 (and some 2025.3 builds: 36398880); 2024.6–2025.5 builds write their version
    // with "@" for "." and a "v0"; nsys 2022.1 on Windows ends the line "1.QDTEXT00" with no newline.
    expect(parseReportHeader(head('NVIDIA Tegra Profiler Report 1.\n'))).toEqual({ formatVersion: 1, version: null });
    expect(parseReportHeader(head('NVIDIA Tegra Profiler Report 36398880.\n'))).toEqual({ formatVersion: 36398880, version: null });
    expect(parseReportHeader(head('NVIDIA Tegra Profiler Report 2025@5@1@121-255136380782v0.\n'))).toEqual({
      formatVersion: null,
      version: '2025.5.1.121-255136380782',
    });
    expect(parseReportHeader(head('NVIDIA Tegra Profiler Report 2024@6@2@225-246235244400v0.\n'))).toEqual({
      formatVersion: null,
      version: '2024.6.2.225-246235244400',
    });
    expect(parseReportHeader(new Uint8Array(Buffer.from('NVIDIA Tegra Profiler Report 1.QDTEXT00\xfd\x97\x0e\x0a', 'latin1')))).toEqual({
      formatVersion: 1,
      version: null,
    });
    expect(parseReportHeader(head('NVIDIA Tegra Profiler Report \n'))).toBeNull();
    expect(parseReportHeader(head('SQLite format 3\0'))).toBeNull();
  });

  itShared('reads every report in ../shared/traces the same way', () => {
    const reports = readdirSync(sharedTraces).filter((f) => f.endsWith('.nsys-rep'));
    expect(reports.length).toBeGreaterThanOrEqual(6);
    for (const f of reports) {
      expect(sniffTrace(join(sharedTraces, f)), f).toMatchObject({
        kind: 'nsys-report',
        formatVersion: 36398880,
        recordedBy: '2025.3.1.0',
      });
    }
  });

  it('takes a SQLite header over the extension: an export named .bin or .nsys-rep still opens', async () => {
    const d = tmp();
    copyFileSync(join(F2025, 'multiproc.sqlite'), join(d, 'trace.bin'));
    copyFileSync(join(F2025, 'multiproc.sqlite'), join(d, 'looks-like.nsys-rep'));
    for (const f of ['trace.bin', 'looks-like.nsys-rep']) {
      expect(sniffTrace(join(d, f))).toMatchObject({ kind: 'sqlite', pageSize: 4096, pageCount: 84 });
      const t = await openTrace(join(d, f));
      expect(t.fromReport).toBe(false);
      expect(t.model.kernels.count).toBe(122);
    }
  });
});

describe('nsys 2022.4 export schema (EXPORT_META_DATA, no CUDA tables)', () => {
  const file = join(F2022, 'cpu_nvtx.sqlite');
  const sql = (q: string) => execFileSync('sqlite3', [file, q], { encoding: 'utf8' }).trim();

  it('reads versions, NVTX ranges and marks with depth, and OS runtime calls as sqlite3 counts them', async () => {
    const { model: m } = await openTrace(file);
    expect(m.meta).toMatchObject({ exportVersion: '2022.4.2.1', schemaVersion: '3.0.0', metaTable: 'EXPORT_META_DATA' });
    expect(m.meta.tables).not.toContain('META_DATA_EXPORT');
    expect([m.kernels.count, m.memcpy.count, m.memset.count, m.api.count, m.gpus.length]).toEqual([0, 0, 0, 0, 0]);
    expect(m.nvtx.count).toBe(Number(sql('SELECT count(*) FROM NVTX_EVENTS WHERE eventType IN (59, 34)')));
    const ranges = Array.from({ length: m.nvtx.count }, (_, i) => i).filter((i) => m.nvtx.style[i] === 0);
    expect(ranges.map((i) => m.strings[m.nvtx.nameId[i]])).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4']);
    expect(ranges.every((i) => m.nvtx.depth[i] === 0)).toBe(true);
    const marks = Array.from({ length: m.nvtx.count }, (_, i) => i).filter((i) => m.nvtx.style[i] === 2);
    expect(marks.map((i) => [m.strings[m.nvtx.nameId[i]], m.nvtx.depth[i]])).toEqual(Array(5).fill(['mark', 1]));
    expect(m.nvtx.endNs[ranges[0]] - m.nvtx.startNs[ranges[0]]).toBe(
      Number(sql("SELECT end - start FROM NVTX_EVENTS WHERE text = 'step 0'")),
    );
    // OSRT calls: everything but nsys's own start/finish markers (event classes 31/32).
    expect(m.osrt.count).toBe(Number(sql('SELECT count(*) FROM OSRT_API WHERE eventClass NOT IN (31, 32)')));
    const names = new Map<string, number>();
    for (let i = 0; i < m.osrt.count; i++) names.set(m.strings[m.osrt.nameId[i]], (names.get(m.strings[m.osrt.nameId[i]]) ?? 0) + 1);
    expect(Object.fromEntries(names)).toEqual({ usleep: 5, fopen: 5, fclose: 5 });
    expect(m.tracks.map((t) => t.id)).toEqual(['cpu/9299/9299/nvtx', 'cpu/9299/9299/osrt']);
    expect(m.processes.find((p) => p.pid === 9299)?.name).toBe('/tmp/cpu2022/nvtx-demo');
  });
});

describe('nsys locator', () => {
  /** A fake file system: the files that exist; folders are derived from them. */
  const fakeFs = (files: string[], sep = '/'): LocatorFs => ({
    isFile: (p) => files.includes(p),
    listDir: (p) => {
      const prefix = p.endsWith(sep) ? p : p + sep;
      return [...new Set(files.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split(sep)[0]))];
    },
  });

  it('Linux: option, then NSYS, then PATH, then standard folders newest first', () => {
    const files = [
      '/opt/nvidia/nsight-systems/2023.4.1/bin/nsys',
      '/opt/nvidia/nsight-systems/2025.3.1/bin/nsys',
      '/opt/nvidia/nsight-systems/2024.10.2/bin/nsys',
      '/usr/local/cuda-12.4/bin/nsys',
      '/usr/local/cuda/bin/nsys',
      '/usr/lib/nsight-systems/bin/nsys',
      '/home/u/bin/nsys',
      '/custom/nsys',
    ];
    const fs = fakeFs(files);
    expect(standardNsysPaths('linux', {}, fs)).toEqual([
      '/opt/nvidia/nsight-systems/2025.3.1/bin/nsys',
      '/opt/nvidia/nsight-systems/2024.10.2/bin/nsys',
      '/opt/nvidia/nsight-systems/2023.4.1/bin/nsys',
      '/usr/local/cuda-12.4/bin/nsys',
      '/usr/local/cuda/bin/nsys',
      '/usr/lib/nsight-systems/bin/nsys',
    ]);
    const env = { PATH: '/usr/bin:/home/u/bin', NSYS: '/custom/nsys' };
    expect(locateNsys({ platform: 'linux', env, fs, explicit: '/opt/nvidia/nsight-systems/2023.4.1/bin/nsys' }).found).toEqual({
      path: '/opt/nvidia/nsight-systems/2023.4.1/bin/nsys',
      source: 'option',
    });
    expect(locateNsys({ platform: 'linux', env, fs }).found).toEqual({ path: '/custom/nsys', source: 'NSYS' });
    // NSYS may name the folder that holds nsys.
    expect(locateNsys({ platform: 'linux', env: { NSYS: '/home/u/bin' }, fs }).found).toEqual({ path: '/home/u/bin/nsys', source: 'NSYS' });
    expect(locateNsys({ platform: 'linux', env: { PATH: '/usr/bin:/home/u/bin' }, fs }).found).toEqual({
      path: '/home/u/bin/nsys',
      source: 'PATH',
    });
    expect(locateNsys({ platform: 'linux', env: { PATH: '' }, fs }).found).toEqual({
      path: '/opt/nvidia/nsight-systems/2025.3.1/bin/nsys',
      source: 'standard',
    });
  });

  it('Linux: finds the nsys that the CUDA toolkit bundles with Nsight Compute', () => {
    const fs = fakeFs(['/opt/nvidia/nsight-compute/2025.3.1/host/target-linux-x64/nsys', '/usr/local/cuda-11.8/bin/nsys']);
    expect(locateNsys({ platform: 'linux', env: {}, fs }).found?.path).toBe(
      '/opt/nvidia/nsight-compute/2025.3.1/host/target-linux-x64/nsys',
    );
  });

  it('Windows: Program Files\\NVIDIA Corporation\\Nsight Systems <ver>\\target-windows-x64, newest first; PATH with ;', () => {
    const files = [
      'C:\\Program Files\\NVIDIA Corporation\\Nsight Systems 2023.2.1\\target-windows-x64\\nsys.exe',
      'C:\\Program Files\\NVIDIA Corporation\\Nsight Systems 2025.1.3\\target-windows-x64\\nsys.exe',
      'D:\\tools\\nsys.exe',
    ];
    const fs = fakeFs(files, '\\');
    expect(locateNsys({ platform: 'win32', env: { Path: 'C:\\Windows;C:\\Windows\\System32' }, fs }).found).toEqual({
      path: 'C:\\Program Files\\NVIDIA Corporation\\Nsight Systems 2025.1.3\\target-windows-x64\\nsys.exe',
      source: 'standard',
    });
    expect(locateNsys({ platform: 'win32', env: { Path: 'C:\\Windows;"D:\\tools"' }, fs }).found).toEqual({
      path: 'D:\\tools\\nsys.exe',
      source: 'PATH',
    });
    expect(locateNsys({ platform: 'win32', env: { NSYS: 'D:\\tools' }, fs }).found?.path).toBe('D:\\tools\\nsys.exe');
  });

  it('macOS: the app bundle in /Applications', () => {
    const fs = fakeFs(['/Applications/NVIDIA Nsight Systems.app/Contents/MacOS/nsys']);
    expect(locateNsys({ platform: 'darwin', env: { PATH: '/usr/bin' }, fs }).found).toEqual({
      path: '/Applications/NVIDIA Nsight Systems.app/Contents/MacOS/nsys',
      source: 'standard',
    });
  });

  it('reports a wrong NSYS instead of silently using another nsys, and lists what it searched', () => {
    const fs = fakeFs(['/opt/nvidia/nsight-systems/2025.3.1/bin/nsys']);
    const bad = locateNsys({ platform: 'linux', env: { NSYS: '/nowhere/nsys' }, fs });
    expect(bad.found).toBeNull();
    expect(bad.badExplicit).toEqual({ path: '/nowhere/nsys', source: 'NSYS' });
    const none = locateNsys({ platform: 'linux', env: { PATH: '/usr/bin' }, fs: fakeFs([]) });
    expect(none.found).toBeNull();
    expect(none.searched.join(', ')).toContain('/opt/nvidia/nsight-systems/*/bin');
  });

  it('compares versions numerically', () => {
    expect(compareVersions('2024.10.2', '2024.9.9')).toBeGreaterThan(0);
    expect(compareVersions('12.4', '12.4.0')).toBe(0);
    expect(compareVersions('2022.4.2.1-df9881f', '2025.3.1.0')).toBeLessThan(0);
  });
});

describe('nsys output parsing and cache folder', () => {
  it('parses the real nsys 2022.4 --version line and export progress bar', () => {
    expect(parseNsysVersion('NVIDIA Nsight Systems version 2022.4.2.1-df9881f\n')).toBe('2022.4.2.1-df9881f');
    expect(parseNsysVersion('NVIDIA Nsight Systems version 2025.3.1.90-253135822126v0\n')).toBe('2025.3.1.90-253135822126v0');
    expect(parseNsysVersion('command not found')).toBeNull();
    // As nsys 2022.4 writes it to stderr: carriage returns, no newlines until the end.
    const chunk = '\rExporting 124 events: [=======18%                    ]\rExporting 124 events: [=======19%                    ]';
    expect(parseExportPercent(chunk)).toBeCloseTo(0.19);
    expect(parseExportPercent('Exporting 124 events: [====================100%]\n')).toBe(1);
    expect(parseExportPercent('no progress here')).toBeNull();
  });

  it('parses what the real nsys 2025.3.1 prints (captured on the H100 machine exporting streams.nsys-rep)', () => {
    const fixtures = resolve(__dirname, 'fixtures/nsys-2025.3');
    expect(parseNsysVersion(readFileSync(join(fixtures, 'nsys-version-output.txt'), 'utf8'))).toBe('2025.3.1.0');
    const output = readFileSync(join(fixtures, 'nsys-export-output.txt'), 'utf8');
    // 2025.3 draws "Processing 22415 events: [==..NN%  ]" with carriage returns.
    const chunks = output.split('\r').filter(Boolean);
    expect(chunks.length).toBeGreaterThan(50);
    const seen = chunks.map((c) => parseExportPercent(c)).filter((p): p is number => p !== null);
    expect(seen[0]).toBeCloseTo(0.01);
    expect(seen[seen.length - 1]).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    // Only progress bars: nothing to quote in an error message.
    expect(lastMeaningfulLine(output)).toBe('');
    expect(lastMeaningfulLine(`${output}\nImporter error status: Wrong event order detected.\n`)).toBe(
      'Importer error status: Wrong event order detected.',
    );
  });

  it('caches in NSYS_VIEWER_CACHE, else XDG_CACHE_HOME/nsys-viewer, else ~/.cache/nsys-viewer', () => {
    expect(defaultCacheDir({ NSYS_VIEWER_CACHE: '/c', XDG_CACHE_HOME: '/x' }, 'linux')).toBe('/c');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' }, 'linux')).toBe('/x/nsys-viewer');
    expect(defaultCacheDir({}, 'linux')).toMatch(/\.cache\/nsys-viewer$/);
    expect(defaultCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32')).toBe(
      'C:\\Users\\u\\AppData\\Local\\nsys-viewer\\cache',
    );
    expect(defaultCacheDir({}, 'darwin')).toMatch(/Library\/Caches\/nsys-viewer$/);
  });
});

// Without nsys the export tests below are skipped, except in CI, which installs it (.ci/run).
it.runIf(!!process.env.CI)('CI has an nsys to export reports with (.ci/vendor/install-nsys.sh)', () => {
  expect(realNsys).not.toBeNull();
});

describe.skipIf(!realNsys)(`opening a real report through the installed nsys (${realNsys ?? 'none found'})`, () => {
  it('exports the 2022.4 report into the cache with progress, and the model equals the committed export', async () => {
    const cacheDir = tmp('cache');
    const dir = tmp('report');
    const report = join(dir, 'cpu_nvtx.nsys-rep');
    copyFileSync(join(F2022, 'cpu_nvtx.nsys-rep'), report);
    // A spy in front of the real nsys: every start of nsys appends a line.
    const log = join(tmp('log'), 'nsys-calls.log');
    const spy = join(tmp('spy'), 'nsys');
    writeFileSync(spy, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realNsys}' "$@"\n`);
    chmodSync(spy, 0o755);
    const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []);

    const progress: OpenProgress[] = [];
    const first = await openTrace(report, { cacheDir, env: { NSYS: spy }, onProgress: (p) => progress.push(p) });
    expect(first.fromReport).toBe(true);
    expect(first.report).toMatchObject({
      exported: true,
      nsysVersion: '2022.4.2.1-df9881f',
      recordedBy: '2022.4.2.1-df9881f',
      formatVersion: 1,
    });
    expect(calls().map((c) => c.split(' ')[0])).toEqual(['--version', 'export']);
    expect(first.sqlitePath.startsWith(cacheDir)).toBe(true);
    expect(readdirSync(dir)).toEqual(['cpu_nvtx.nsys-rep']); // nothing beside the user's file
    // nsys's own percentages arrive, in order, inside the export's share of the bar (a fast export
    // comes in a few pipe reads, each read giving its highest percentage).
    const exportSteps = progress.filter((p) => p.phase === 'export');
    expect(exportSteps.length).toBeGreaterThan(0);
    expect(exportSteps[exportSteps.length - 1].fraction).toBeCloseTo(0.5);
    for (let i = 1; i < progress.length; i++) expect(progress[i].fraction).toBeGreaterThanOrEqual(progress[i - 1].fraction);
    expect(progress[progress.length - 1]).toMatchObject({ phase: 'done', fraction: 1 });

    const committed = await openTrace(join(F2022, 'cpu_nvtx.sqlite'));
    const body = (s: string) => s.split('\n').slice(1).join('\n');
    expect(body(dumpTrace(first.model))).toBe(body(dumpTrace(committed.model)));
    expect(first.model.nvtx.count).toBe(10);
    expect(first.model.osrt.count).toBe(15);

    // Second open: the cached export, no nsys process at all, the cache file untouched.
    const mtime = statSync(first.sqlitePath).mtimeMs;
    const second = await openTrace(report, { cacheDir, env: { NSYS: spy } });
    expect(second.report?.exported).toBe(false);
    expect(second.sqlitePath).toBe(first.sqlitePath);
    expect(calls()).toHaveLength(2);
    // (to the ms: reuse sets the access time for cache pruning, re-stating the same mtime)
    expect(Math.floor(statSync(second.sqlitePath).mtimeMs)).toBe(Math.floor(mtime));
    expect(statSync(second.sqlitePath).atimeMs).toBeGreaterThan(mtime);
    expect(readdirSync(cacheDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('keeps the cache under its cap: least recently opened exports go first, stale temp files too', async () => {
    const cacheDir = tmp('cache');
    const KB = 1024;
    const fake = (name: string, ageMs: number, size = 300 * KB) => {
      const p = join(cacheDir, name);
      writeFileSync(p, Buffer.alloc(size));
      const t = (Date.now() - ageMs) / 1000;
      utimesSync(p, t, t);
      return p;
    };
    const h = (c: string) => c.repeat(40);
    const oldest = fake(`${h('a')}-nsys-2022.4.2.1-df9881f.sqlite`, 3 * 86400_000);
    const older = fake(`${h('b')}-nsys-2022.4.2.1-df9881f.sqlite`, 2 * 86400_000);
    const recent = fake(`${h('c')}-nsys-2022.4.2.1-df9881f.sqlite`, 3600_000);
    const staleTmp = fake(`${h('d')}.tmp-123-0badc0de.sqlite`, 2 * 86400_000);
    const freshTmp = fake(`${h('e')}.tmp-456-0badc0de.sqlite`, 1000); // maybe another process's running export
    const notOurs = fake('notes.txt', 5 * 86400_000);
    const t = await openTrace(join(F2022, 'cpu_nvtx.nsys-rep'), { cacheDir, nsysPath: realNsys!, cacheMaxBytes: 1024 * KB });
    // 3 x 300 KiB + the new 408 KiB export > 1 MiB: dropping the oldest (by last use) is enough.
    const left = readdirSync(cacheDir).map((f) => join(cacheDir, f));
    expect(left).not.toContain(oldest);
    expect(left).not.toContain(staleTmp);
    expect(left).toEqual(expect.arrayContaining([older, recent, freshTmp, notOurs, t.sqlitePath]));
  });

  it('a report path with spaces and non-ASCII characters goes to nsys as one argument', async () => {
    const d = join(tmp(), 'my traces', 'прогон ü');
    execFileSync('mkdir', ['-p', d]);
    const report = join(d, 'cpu nvtx ü.nsys-rep');
    copyFileSync(join(F2022, 'cpu_nvtx.nsys-rep'), report);
    const t = await openTrace(report, { cacheDir: tmp('cache'), nsysPath: realNsys! });
    expect(t.report?.exported).toBe(true);
    expect(t.name).toBe('cpu nvtx ü.nsys-rep');
    expect(t.model.nvtx.count).toBe(10);
    expect(readdirSync(d)).toEqual(['cpu nvtx ü.nsys-rep']);
  });
});

describe('cancel and timeout of a running export', () => {
  /**
   * A stand-in nsys that behaves like a slow export: answers --version, writes the first bytes of
   * its output file, prints progress, then hangs. It records its pid so the test can check it died.
   */
  function slowNsys(): { path: string; pidFile: string } {
    const d = tmp('slow');
    const pidFile = join(d, 'pid');
    const path = join(d, 'nsys');
    writeFileSync(
      path,
      `#!/bin/sh
if [ "$1" = "--version" ]; then echo "NVIDIA Nsight Systems version 2099.1.0.0-test"; exit 0; fi
echo $$ > '${pidFile}'
for a in "$@"; do out="$prev"; prev="$a"; done
printf 'SQLite format 3' > "$out"
printf '\\rExporting 10 events: [==20%%  ]' >&2
exec sleep 30
`,
    );
    chmodSync(path, 0o755);
    return { path, pidFile };
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('shouldCancel stops nsys, throws CancelledError and leaves no half file in the cache', async () => {
    const { path, pidFile } = slowNsys();
    const cacheDir = tmp('cache');
    let exportSeen = false;
    const t0 = Date.now();
    const err = await openTrace(join(F2025, 'multiproc.nsys-rep'), {
      cacheDir,
      nsysPath: path,
      onProgress: (p) => {
        if (p.phase === 'export') exportSeen = true;
      },
      // Cancel once the stand-in has recorded its pid, so the check below can name the process.
      shouldCancel: () => exportSeen && existsSync(pidFile) && statSync(pidFile).size > 0,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(false);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.sqlite'))).toEqual([]);
  });

  it('timeoutMs stops nsys with a timeout error that names the report', async () => {
    const { path, pidFile } = slowNsys();
    const cacheDir = tmp('cache');
    const err = await openTrace(join(F2025, 'multiproc.nsys-rep'), { cacheDir, nsysPath: path, timeoutMs: 700 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TraceOpenError);
    expect((err as TraceOpenError).code).toBe('timeout');
    expect((err as Error).message).toBe(
      'nsys export of multiproc.nsys-rep did not finish within 0.7 s and was stopped. Allow more time, or export it yourself with nsys export --type sqlite and open the .sqlite.',
    );
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.sqlite'))).toEqual([]);
  });
});
