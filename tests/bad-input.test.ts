import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/nsys-viewer';
import { TraceOpenError, type TraceErrorCode } from '../src/core/io/errors';
import { nodeLocatorFs } from '../src/core/io/nsys-export';
import { locateNsys, type LocatorFs } from '../src/core/io/nsys-locate';
import { openTrace, type OpenTraceOptions } from '../src/core/io/open-trace';
import { sniffTrace } from '../src/core/io/sniff';
import { repoRoot } from './helpers/paths';

const F2025 = resolve(repoRoot, 'tests/fixtures/nsys-2025.3');
const root = mkdtempSync(join(tmpdir(), 'nsys-viewer-bad-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh folder per case, so "nothing was written beside the input" is checkable. */
const caseDir = () => {
  const d = join(root, `case-${n++}`);
  mkdirSync(d);
  return d;
};
/** Deterministic "random" bytes (so messages quoting the first bytes are stable). */
const noise = (len: number, seed = 'nsys-viewer') => {
  const out = Buffer.alloc(len);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < len; i += 32) {
    block.copy(out, i, 0, Math.min(32, len - i));
    block = createHash('sha256').update(block).digest();
  }
  return out;
};
const nsysPath = locateNsys({ platform: process.platform, env: process.env, fs: nodeLocatorFs }).found?.path ?? null;
const noFiles: LocatorFs = { isFile: () => false, listDir: () => [] };

/** Opens `file` expecting a TraceOpenError; checks the one-line message and that the folder is unchanged. */
async function expectOpenError(file: string, code: TraceErrorCode, message: string, opts: OpenTraceOptions = {}): Promise<void> {
  const dir = resolve(file, '..');
  const before = listing(dir);
  const cacheDir = join(root, `cache-${n++}`);
  const err = await openTrace(file, { cacheDir, ...opts }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TraceOpenError);
  expect((err as TraceOpenError).code).toBe(code);
  expect((err as Error).message).toBe(message);
  expect(message).not.toContain('\n');
  expect(listing(dir)).toEqual(before);
  // A failed export leaves nothing in the cache either (only nsys's remembered --version, if any).
  let cached: string[] = [];
  try {
    cached = readdirSync(cacheDir).filter((f) => !f.startsWith('nsys-version-'));
  } catch {
    cached = [];
  }
  expect(cached).toEqual([]);
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir)
      .map((f) => `${f} ${statSync(join(dir, f)).size} ${statSync(join(dir, f)).mtimeMs}`)
      .sort();
  } catch {
    return ['(no folder)'];
  }
}

describe('bad input gives one line that names the file and says what to do', () => {
  it('missing file', async () => {
    const d = caseDir();
    const f = join(d, 'nope.sqlite');
    await expectOpenError(f, 'not-found', `nope.sqlite does not exist (${f}). Check the path, or pick the file again.`);
  });

  it('a folder', async () => {
    const d = caseDir();
    await expectOpenError(
      d,
      'not-a-file',
      `${d.split('/').pop()} is a folder, not a trace (${d}). Open the .nsys-rep report or the .sqlite export inside it.`,
    );
  });

  it('zero-byte file', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'empty.nsys-rep'), '');
    await expectOpenError(
      join(d, 'empty.nsys-rep'),
      'empty-file',
      'empty.nsys-rep is empty (0 bytes): the profile, export or copy that made it did not finish. Record, export or copy it again.',
    );
  });

  it('random bytes named .sqlite', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'random.sqlite'), noise(4096));
    const hex = Array.from(noise(8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    await expectOpenError(
      join(d, 'random.sqlite'),
      'not-sqlite',
      `random.sqlite is not a SQLite database (it starts with bytes ${hex}). Open an export made by nsys export --type sqlite, or the .nsys-rep report itself.`,
    );
  });

  it('random bytes named .nsys-rep (and .qdrep, the pre-2021.4 name)', async () => {
    const d = caseDir();
    const hex = Array.from(noise(8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    for (const name of ['random.nsys-rep', 'random.qdrep']) {
      writeFileSync(join(d, name), noise(4096));
      await expectOpenError(
        join(d, name),
        'unknown-format',
        `${name} is not an Nsight Systems report (no "NVIDIA Tegra Profiler Report" header; it starts with bytes ${hex}). Open the .nsys-rep that nsys profile wrote, or its .sqlite export.`,
      );
    }
  });

  it('random bytes with another extension', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'trace.json'), '{"traceEvents": []}');
    await expectOpenError(
      join(d, 'trace.json'),
      'unknown-format',
      'trace.json is neither an Nsight Systems report (.nsys-rep, .qdrep) nor an nsys SQLite export (it starts with bytes 7b 22 74 72 61 63 65 45). Open one of those.',
    );
  });

  it('a compressed export names the command that unpacks it', async () => {
    const d = caseDir();
    // The bytes are a real export compressed by the tools themselves (xz, gzip), not a made-up header.
    execFileSync('sh', ['-c', 'xz -0zc "$1" > "$2"', 'sh', join(F2025, 'streams.sqlite'), join(d, 'streams.sqlite.xz')]);
    await expectOpenError(
      join(d, 'streams.sqlite.xz'),
      'unknown-format',
      'streams.sqlite.xz is xz-compressed: unpack it first (xz -dk streams.sqlite.xz), then open streams.sqlite.',
    );
    execFileSync('sh', ['-c', 'gzip -c "$1" > "$2"', 'sh', join(F2025, 'streams.sqlite'), join(d, "my trace's.sqlite.gz")]);
    await expectOpenError(
      join(d, "my trace's.sqlite.gz"),
      'unknown-format',
      `my trace's.sqlite.gz is gzip-compressed: unpack it first (gunzip -k 'my trace'\\''s.sqlite.gz'), then open my trace's.sqlite.`,
    );
  });

  it('a real SQLite export cut in half', async () => {
    const d = caseDir();
    const bytes = readFileSync(join(F2025, 'streams.sqlite'));
    writeFileSync(join(d, 'streams.sqlite'), bytes.subarray(0, bytes.length / 2));
    await expectOpenError(
      join(d, 'streams.sqlite'),
      'truncated',
      'streams.sqlite is a truncated SQLite file: it has 1282048 bytes but its header says 2564096. Copy it again, or export the report again with nsys export --type sqlite.',
    );
  });

  it('a real SQLite export with damaged pages', async () => {
    const d = caseDir();
    const bytes = Buffer.from(readFileSync(join(F2025, 'multiproc.sqlite')));
    noise(4096 - 100, 'damage').copy(bytes, 100); // the rest of page 1: sqlite_master's b-tree
    writeFileSync(join(d, 'multiproc.sqlite'), bytes);
    await expectOpenError(
      join(d, 'multiproc.sqlite'),
      'corrupt',
      'multiproc.sqlite is a damaged SQLite database (page 1 is not a table b-tree page (type 111)). Copy it again, or export the report again with nsys export --type sqlite.',
    );
  });

  it('a SQLite database that is not an nsys export', async () => {
    const d = caseDir();
    const f = join(d, 'notes.sqlite');
    execFileSync('sqlite3', [f, 'CREATE TABLE notes(id INTEGER, body TEXT); INSERT INTO notes VALUES (1, "hello");']);
    await expectOpenError(
      f,
      'not-nsys-export',
      'notes.sqlite is a SQLite database but not an Nsight Systems export (its tables: notes; an export has StringIds and META_DATA_EXPORT or EXPORT_META_DATA). Open a file made by nsys export --type sqlite, or the .nsys-rep report.',
    );
  });

  it('a real report cut in half', async () => {
    const d = caseDir();
    const bytes = readFileSync(join(F2025, 'streams.nsys-rep'));
    writeFileSync(join(d, 'streams.nsys-rep'), bytes.subarray(0, 200_000));
    await expectOpenError(
      join(d, 'streams.nsys-rep'),
      'truncated',
      'streams.nsys-rep is a truncated Nsight Systems report (200000 bytes, its end marker is missing). Copy it again from the machine that recorded it, or record it again.',
    );
  });

  it('nsys missing: NSYS pointing at nothing, or an empty PATH and no install folders', async () => {
    const d = caseDir();
    const f = join(d, 'streams.nsys-rep');
    copyFileSync(join(F2025, 'streams.nsys-rep'), f);
    await expectOpenError(
      f,
      'nsys-missing',
      'streams.nsys-rep is an Nsight Systems report, which needs the nsys CLI to read, and NSYS points at /nonexistent/nsys, which is not an nsys executable. Point NSYS at nsys (or clear it), or open a .sqlite exported with nsys export --type sqlite.',
      { env: { NSYS: '/nonexistent/nsys' } },
    );
    await expectOpenError(
      f,
      'nsys-missing',
      'streams.nsys-rep is an Nsight Systems report, which needs the nsys CLI to read, and no nsys was found (looked in PATH (empty), /opt/nvidia/nsight-systems/*/bin, /opt/nvidia/nsight-compute/*/host/target-linux-x64, /usr/local/cuda*/bin, /usr/lib/nsight-systems). Install Nsight Systems 2025.3 or newer and set NSYS=/path/to/nsys, or open a .sqlite exported with nsys export --type sqlite.',
      { env: { PATH: '' }, platform: 'linux', locatorFs: noFiles },
    );
  });

  it.skipIf(!nsysPath)(
    'nsys older than the report: refused before nsys runs, in one line naming both versions and the way out',
    async () => {
      const d = caseDir();
      const f = join(d, 'streams.nsys-rep');
      copyFileSync(join(F2025, 'streams.nsys-rep'), f);
      const version = execFileSync(nsysPath!, ['--version'], { encoding: 'utf8' })
        .match(/version (\S+)/)![1]
        .split('-')[0]
        .split('.')
        .slice(0, 3)
        .join('.');
      await expectOpenError(
        f,
        'nsys-too-old',
        `streams.nsys-rep was recorded by Nsight Systems 2025.3.1; the nsys found here is ${version} (${nsysPath}). Install Nsight Systems 2025.3 or newer, or export it where it was recorded: nsys export --type sqlite -o streams.sqlite streams.nsys-rep`,
      );
    },
  );

  it.skipIf(!nsysPath)(
    'nsys itself refuses a report whose version we cannot read: the same one line, without a version',
    async () => {
      const d = caseDir();
      const f = join(d, 'my report.nsys-rep');
      // streams.nsys-rep with its trailer's "2025.3.1.0" strings blotted out: the sniffer cannot tell
      // the recording version, so the real nsys 2022.4 runs and answers "Version not supported: 36398880".
      const bytes = Buffer.from(readFileSync(join(F2025, 'streams.nsys-rep')));
      const tail = bytes.length - 8192;
      for (let i = bytes.lastIndexOf('2025.3.1.0'); i >= tail; i = bytes.lastIndexOf('2025.3.1.0', i - 1)) bytes.write('XXXX', i, 'latin1');
      writeFileSync(f, bytes);
      expect(sniffTrace(f)).toMatchObject({ kind: 'nsys-report', recordedBy: null });
      const version = execFileSync(nsysPath!, ['--version'], { encoding: 'utf8' })
        .match(/version (\S+)/)![1]
        .split('-')[0]
        .split('.')
        .slice(0, 3)
        .join('.');
      await expectOpenError(
        f,
        'nsys-too-old',
        `my report.nsys-rep was recorded by an Nsight Systems newer than this one; the nsys found here is ${version} (${nsysPath}). Install the newest Nsight Systems, or export it where it was recorded: nsys export --type sqlite -o "my report.sqlite" "my report.nsys-rep"`,
      );
    },
    60_000,
  );

  it.skipIf(!nsysPath)('a report damaged inside (end marker intact): the real nsys fails and its reason is quoted', async () => {
    const d = caseDir();
    const f = join(d, 'damaged.nsys-rep');
    const bytes = Buffer.from(readFileSync(resolve(repoRoot, 'tests/fixtures/nsys-2022.4/cpu_nvtx.nsys-rep')));
    noise(100_000, 'inside').copy(bytes, 200);
    writeFileSync(f, bytes);
    const version = execFileSync(nsysPath!, ['--version'], { encoding: 'utf8' }).match(/version (\S+)/)![1];
    const err = await openTrace(f, { cacheDir: join(root, `cache-${n++}`) }).catch((e: unknown) => e);
    expect((err as TraceOpenError).code).toBe('nsys-failed');
    // nsys 2022.4 ends with "std::exception::what: NotSupportedException"; other versions word it differently.
    expect((err as Error).message).toMatch(
      new RegExp(
        `^nsys ${version.replace(/\./g, '\\.')} \\(${nsysPath}\\) could not export damaged\\.nsys-rep \\(exit 1: .+\\)\\. Check that the report opens in Nsight Systems, or export it to \\.sqlite there\\.$`,
      ),
    );
    expect(readdirSync(d)).toEqual(['damaged.nsys-rep']);
  });

  it('a path with spaces and non-ASCII characters opens fine', async () => {
    const d = join(caseDir(), 'my traces');
    mkdirSync(d);
    const f = join(d, 'прогон ü.sqlite');
    copyFileSync(join(F2025, 'streams.sqlite'), f);
    const before = listing(d);
    const t = await openTrace(f);
    expect(t.name).toBe('прогон ü.sqlite');
    expect(t.model.meta.sourceName).toBe('прогон ü.sqlite');
    expect(t.model.kernels.count).toBe(151);
    expect(t.model.memcpy.count).toBe(30);
    expect(listing(d)).toEqual(before);
  });
});

describe('the CLI prints the same one line and exits non-zero', () => {
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  };

  it('main(): info on a truncated report and on a missing file', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'cut.nsys-rep'), readFileSync(join(F2025, 'multiproc.nsys-rep')).subarray(0, 1000));
    const r = await run(['info', join(d, 'cut.nsys-rep')]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'nsys-viewer info: cut.nsys-rep is a truncated Nsight Systems report (1000 bytes, its end marker is missing). Copy it again from the machine that recorded it, or record it again.\n',
    );
    const missing = await run(['info', join(d, 'gone.sqlite')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(
      `nsys-viewer info: gone.sqlite does not exist (${join(d, 'gone.sqlite')}). Check the path, or pick the file again.\n`,
    );
  });

  it('the bundled binary: one line on stderr, exit 1, no stack trace', async () => {
    // Bundled like scripts/build-cli.mjs but to a private path (out/ belongs to `npm run build`);
    // under node_modules so that the external sql.js resolves.
    const outfile = join(repoRoot, 'node_modules/.cache/nsys-viewer-tests', `cli-${process.pid}.cjs`);
    await build({
      entryPoints: [join(repoRoot, 'src/cli/nsys-viewer.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['sql.js', 'playwright-core', 'ws', 'electron'],
      define: { 'import.meta.url': '__importMetaUrl' },
      banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      logLevel: 'silent',
    });
    try {
      const d = caseDir();
      writeFileSync(join(d, 'random.sqlite'), noise(512));
      const r = spawnSync(process.execPath, [outfile, 'info', join(d, 'random.sqlite')], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')).toHaveLength(2); // one line + the final newline
      expect(r.stderr).toMatch(
        /^nsys-viewer info: random\.sqlite is not a SQLite database \(it starts with bytes [0-9a-f ]+\)\. Open an export/,
      );
      const ok = spawnSync(process.execPath, [outfile, 'info', join(F2025, 'multiproc.sqlite')], { encoding: 'utf8' });
      expect(ok.status).toBe(0);
      // `nsys-viewer stats ... | head`: the reader is gone before we write (here it never reads);
      // we stop quietly, with no EPIPE stack trace.
      const piped = spawnSync(
        'sh',
        ['-c', '"$0" "$1" stats "$2" --report cuda_api_sum --format csv | true', process.execPath, outfile, join(F2025, 'streams.sqlite')],
        { encoding: 'utf8' },
      );
      expect(piped.stderr).toBe('');
    } finally {
      rmSync(outfile, { force: true });
    }
  }, 60_000);
});
