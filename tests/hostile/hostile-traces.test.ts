import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { bundleCli, runCliProcess, type CliRun } from '../helpers/cli-bundle';
import { repoRoot } from '../helpers/paths';
import { runCli } from '../helpers/cli';

const STREAMS = resolve(repoRoot, 'tests/fixtures/nsys-2025.3/streams.sqlite');
const STREAMS_REP = resolve(repoRoot, 'tests/fixtures/nsys-2025.3/streams.nsys-rep');
const root = mkdtempSync(join(tmpdir(), 'nsys-viewer-hostile-'));
let cli = '';
let dispose = () => undefined as void;
beforeAll(async () => {
  ({ cli, dispose } = await bundleCli('hostile'));
}, 60_000);
afterAll(() => {
  dispose();
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const caseDir = () => {
  const d = join(root, `case-${n++}`);
  mkdirSync(d);
  return d;
};
/** A copy of streams.sqlite edited by `sql` (sqlite3 CLI). */
function editedCopy(sql: string, name = 'streams.sqlite'): string {
  const f = join(caseDir(), name);
  copyFileSync(STREAMS, f);
  execFileSync('sqlite3', [f, sql]);
  return f;
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const waitFor = async (cond: () => boolean, ms = 10_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('hostile exports: no heap blow-up, no endless query, no quadratic time', () => {
  it('one StringIds row with id 2,000,000,000 changes nothing (it used to exhaust the heap: exit 134)', async () => {
    const f = editedCopy("INSERT INTO StringIds VALUES (2000000000, 'far away');");
    const args = ['stats', '--report', 'cuda_gpu_kern_sum', '--format', 'csv'];
    const want = await runCliProcess(cli, [...args, STREAMS]);
    const got = await runCliProcess(cli, [...args, f], { heapMb: 256, timeoutMs: 30_000 });
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    expect(got.stdout).toBe(want.stdout);
    expect(want.stdout.split('\n').length).toBeGreaterThan(3);
  }, 60_000);

  it('a table replaced by an endless recursive view is not read (it used to hang info, Ctrl-C ignored)', async () => {
    const f = editedCopy(
      'DROP TABLE CUPTI_ACTIVITY_KIND_KERNEL; CREATE VIEW CUPTI_ACTIVITY_KIND_KERNEL AS WITH RECURSIVE r(start) AS (SELECT 0 UNION ALL SELECT start + 1 FROM r) SELECT start, start AS end FROM r;',
    );
    const r = await runCliProcess(cli, ['info', f], { timeoutMs: 20_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kernels: {5}0$/m);
    expect(r.stdout).toMatch(/^memcpy: {6}30$/m);
  });

  it('max(rowid) of 2^62 with a few rows: the preallocation is bounded by the file size', async () => {
    const f = editedCopy(
      'UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET rowid = 4611686018427387904 WHERE rowid = (SELECT max(rowid) FROM CUPTI_ACTIVITY_KIND_KERNEL);',
    );
    const t = await openTrace(f, { cacheDir: join(root, 'cache') });
    expect(t.model.kernels.count).toBe(151);
  });

  it('100,000 nested NVTX ranges on one thread: depths in O(n log n), clamped at 65535 instead of wrapping', async () => {
    // Range k spans [k, 200000 - k]: each one nests inside the previous, so range k sits at depth k.
    const f = editedCopy(
      'WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 99999) ' +
        "INSERT INTO NVTX_EVENTS(start, end, eventType, text, globalTid) SELECT i, 200000 - i, 59, 'deep', 281475547136034 FROM k;",
    );
    const t0 = Date.now();
    const t = await openTrace(f, { cacheDir: join(root, 'cache') });
    const ms = Date.now() - t0;
    const { nvtx } = t.model;
    let deep = 0;
    let atMax = 0;
    let wrapped = 0;
    for (let i = 0; i < nvtx.count; i++) {
      if (nvtx.startNs[i] >= 200_000 || t.model.strings[nvtx.nameId[i]] !== 'deep') continue;
      deep++;
      const k = nvtx.startNs[i];
      if (nvtx.depth[i] !== Math.min(k, 65535)) wrapped++;
      if (nvtx.depth[i] === 65535) atMax++;
    }
    expect(deep).toBe(100_000);
    expect(wrapped).toBe(0);
    expect(atMax).toBe(100_000 - 65535);
    const track = t.model.tracks.find((tr) => tr.lane === 'nvtx' && tr.indices.length >= 100_000)!;
    expect(track.depthCount).toBe(65536);
    expect(ms).toBeLessThan(15_000); // was 24–70 s for the depth pass alone
  }, 60_000);
});

/**
 * A stand-in nsys (shell script): records its pid and arguments; `--version` answers or hangs,
 * `export` writes the start of its output file and hangs, or copies streams.sqlite there.
 */
function fakeNsys(mode: 'hang-export' | 'hang-version' | 'copy'): { path: string; pidFile: string; argsFile: string } {
  const d = caseDir();
  const pidFile = join(d, 'pid');
  const argsFile = join(d, 'args');
  const path = join(d, 'nsys');
  writeFileSync(
    path,
    `#!/bin/sh
echo $$ > '${pidFile}'
printf '%s\\n' "$@" > '${argsFile}'
if [ "$1" = "--version" ]; then
  ${mode === 'hang-version' ? 'exec sleep 60' : 'echo "NVIDIA Nsight Systems version 2099.1.0.0-test"; exit 0'}
fi
for a in "$@"; do out="$prev"; prev="$a"; done
${mode === 'copy' ? `cp '${STREAMS}' "$out"; exit 0` : `printf 'SQLite format 3' > "$out"\nprintf '\\rExporting 10 events: [==20%%  ]' >&2\nexec sleep 60`}
`,
  );
  chmodSync(path, 0o755);
  return { path, pidFile, argsFile };
}

describe('nsys never outlives us, never gets an option from a path, and --timeout-s means what it says', () => {
  const exportThenSignal = async (signals: NodeJS.Signals[]): Promise<{ r: CliRun; pid: number; cache: string }> => {
    const nsys = fakeNsys('hang-export');
    const cache = join(caseDir(), 'cache');
    let pid = 0;
    const r = await runCliProcess(cli, ['info', STREAMS_REP, '--nsys', nsys.path], {
      env: { NSYS_VIEWER_CACHE: cache },
      during: (child) => {
        void (async () => {
          // The export has started once nsys wrote its temp file. The fake writes its pid file
          // before its args file, so each read may race the shell: a read that fails is "not yet".
          await waitFor(() => {
            try {
              return (
                existsSync(nsys.pidFile) &&
                readFileSync(nsys.argsFile, 'utf8').startsWith('export') &&
                readdirSync(cache).some((f) => f.includes('.tmp-'))
              );
            } catch {
              return false;
            }
          });
          pid = Number(readFileSync(nsys.pidFile, 'utf8'));
          for (const s of signals) {
            child.kill(s);
            await new Promise((res) => setTimeout(res, 50));
          }
        })();
      },
    });
    return { r, pid, cache };
  };

  for (const [what, signals, code] of [
    ['SIGTERM (as `timeout` sends)', ['SIGTERM'], 143],
    ['a second Ctrl-C', ['SIGINT', 'SIGINT'], 130],
  ] as const) {
    it(`${what} during an export kills nsys and removes its temp file`, async () => {
      const { r, pid, cache } = await exportThenSignal([...signals]);
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(code);
      expect(pid).toBeGreaterThan(0);
      await waitFor(() => !alive(pid), 3000);
      expect(readdirSync(cache).filter((f) => f.endsWith('.sqlite'))).toEqual([]);
    }, 30_000);
  }

  it('the nsys --version probe honours --timeout-s and leaves no process behind', async () => {
    const nsys = fakeNsys('hang-version');
    const r = await runCliProcess(cli, ['info', STREAMS_REP, '--nsys', nsys.path, '--timeout-s', '1'], {
      env: { NSYS_VIEWER_CACHE: join(caseDir(), 'cache') },
    });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `nsys-viewer info: nsys --version (${nsys.path}) did not finish within 1.0 s and was stopped. Allow more time, or export it yourself with nsys export --type sqlite and open the .sqlite.\n`,
    );
    const pid = Number(readFileSync(nsys.pidFile, 'utf8'));
    await waitFor(() => !alive(pid), 3000);
  }, 30_000);

  it("--timeout-s past setTimeout's range (1e10) or not positive is refused before anything runs", async () => {
    for (const v of ['1e10', '-5', '0']) {
      const r = await runCliProcess(cli, ['info', STREAMS_REP, '--timeout-s', v]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`nsys-viewer info: --timeout-s must be more than 0 and at most 2147483 (about 24 days); got ${Number(v)}.\n`);
    }
  });

  it('a report named -x.nsys-rep reaches nsys as an absolute path, not an option', async () => {
    const nsys = fakeNsys('copy');
    const d = caseDir();
    copyFileSync(STREAMS_REP, join(d, '-x.nsys-rep'));
    const r = await runCliProcess(cli, ['info', '-x.nsys-rep', '--nsys', nsys.path], {
      env: { NSYS_VIEWER_CACHE: join(d, 'cache') },
      cwd: d,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const args = readFileSync(nsys.argsFile, 'utf8').trim().split('\n');
    expect(args[0]).toBe('export');
    expect(args[args.length - 1]).toBe(join(d, '-x.nsys-rep'));
    expect(args.filter((a) => a.startsWith('-x'))).toEqual([]);
  }, 30_000);
});

describe('the export cache: validated, private, and never a spin', () => {
  it('a damaged cached export is dropped and the report exported again (it used to fail every later open)', async () => {
    const nsys = fakeNsys('copy');
    const cacheDir = join(caseDir(), 'cache');
    const first = await openTrace(STREAMS_REP, { cacheDir, nsysPath: nsys.path });
    expect(first.report?.exported).toBe(true);
    // Keep the SQLite header (so it still looks complete), damage sqlite_master's page.
    const bytes = Buffer.from(readFileSync(first.sqlitePath));
    bytes.fill(0x5a, 100, 4096);
    writeFileSync(first.sqlitePath, bytes);
    const second = await openTrace(STREAMS_REP, { cacheDir, nsysPath: nsys.path });
    expect(second.report?.exported).toBe(true);
    expect(second.model.kernels.count).toBe(151);
    const third = await openTrace(STREAMS_REP, { cacheDir, nsysPath: nsys.path });
    expect(third.report?.exported).toBe(false);
  });

  it('the cache folder is 0700 and its files 0600 (exports hold command lines and environments)', async () => {
    const nsys = fakeNsys('copy');
    const cacheDir = join(caseDir(), 'deep', 'cache');
    const t = await openTrace(STREAMS_REP, { cacheDir, nsysPath: nsys.path });
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(cacheDir)).toBe(0o700);
    expect(mode(join(cacheDir, '..'))).toBe(0o700);
    expect(
      readdirSync(cacheDir)
        .map((f) => [f.replace(/^[0-9a-f]{40}/, 'HASH').replace(/nsys-version-[0-9a-f]+/, 'nsys-version-KEY'), mode(join(cacheDir, f))])
        .sort(),
    ).toEqual([
      ['HASH-nsys-2099.1.0.0-test.sqlite', 0o600],
      ['nsys-version-KEY.txt', 0o600],
    ]);
    expect(t.sqlitePath.startsWith(cacheDir)).toBe(true);
  });

  it('NSYS_VIEWER_CACHE under /proc fails at once with one line (mkdir -p under /proc used to spin forever)', async () => {
    const nsys = fakeNsys('copy');
    const r = await runCliProcess(cli, ['info', STREAMS_REP, '--nsys', nsys.path], {
      env: { NSYS_VIEWER_CACHE: '/proc/self/nsys-viewer-cache' },
      timeoutMs: 15_000,
    });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "nsys-viewer info: Cannot create the cache folder /proc/self/nsys-viewer-cache for streams.nsys-rep's export (ENOENT). Set NSYS_VIEWER_CACHE to a writable folder.\n",
    );
  }, 30_000);
});

describe('silent wrong numbers are said out loud', () => {
  it('text times and end < start are left out, counted in info and noted on stderr (they were -1/NaN/negative with exit 0)', async () => {
    const f = editedCopy(
      `UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET start = 'abc' WHERE rowid = 1;
       UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET "end" = 'x' WHERE rowid = 2;
       UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET "end" = start - 5 WHERE rowid = 3;
       UPDATE OSRT_API SET "end" = start - 1 WHERE rowid = (SELECT min(rowid) FROM OSRT_API WHERE eventClass NOT IN (31, 32));`,
      'odd.sqlite',
    );
    const r = await runCli('info', f);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^kernels: {5}148$/m);
    expect(r.out).toMatch(/^OS runtime: {2}20486$/m);
    expect(r.out).toContain('skipped:     3 rows of CUPTI_ACTIVITY_KIND_KERNEL, 1 of OSRT_API (NULL or text times, or end before start)\n');
    expect(r.err).toBe(
      'Note: odd.sqlite: left out 3 rows of CUPTI_ACTIVITY_KIND_KERNEL, 1 of OSRT_API (NULL or text times, or end before start); nsys-viewer info lists them.\n',
    );
    const stats = await runCli('stats', f, '--report', 'cuda_gpu_kern_sum', '--format', 'csv');
    expect(stats.out).not.toMatch(/(^|,)-\d|NaN/m);
  });

  it("duplicated NVTX rows do not fail the summary's own checks (exit 3 before)", async () => {
    const f = editedCopy('INSERT INTO NVTX_EVENTS SELECT * FROM NVTX_EVENTS;', 'dup.sqlite');
    const r = await runCli('summary', f);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Checks: (\d+)\/\1 ok$/m);
  });
});
