import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { TraceOpenError } from '../../src/core/io/errors';
import { repoRoot } from '../helpers/paths';

const STREAMS = resolve(repoRoot, 'tests/fixtures/nsys-2025.3/streams.sqlite');
const dir = mkdtempSync(join(tmpdir(), 'nsys-viewer-sidecar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sqlite = (file: string, script: string) => execFileSync('sqlite3', [file], { input: script, cwd: dir });
const kernelsBySqlite = (file: string) =>
  Number(execFileSync('sqlite3', ['-readonly', file, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL'], { cwd: dir, encoding: 'utf8' }));
const snapshot = () =>
  readdirSync(dir)
    .map((f) => `${f} ${statSync(join(dir, f)).size} ${statSync(join(dir, f)).mtimeMs}`)
    .sort();

// Both readers lay the sidecars over the file: sql.js's copy in memory, the page reader page by page.
describe.each(['pages', 'sqljs'])('files SQLite reads beside the database (%s reader)', (reader) => {
  beforeEach(() => {
    process.env.NSYS_VIEWER_SQLITE_READER = reader;
  });
  afterEach(() => {
    delete process.env.NSYS_VIEWER_SQLITE_READER;
  });

  it('a -wal with committed changes is applied, as sqlite3 reads it (it used to be ignored)', async () => {
    // A live WAL database copied with its -wal while a connection holds it (autocheckpoint off).
    copyFileSync(STREAMS, join(dir, 'live.sqlite'));
    sqlite('live.sqlite', 'PRAGMA journal_mode=WAL;');
    sqlite(
      'live.sqlite',
      'PRAGMA wal_autocheckpoint=0;\nDELETE FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE rowid % 2 = 0;\n.shell cp live.sqlite wal.sqlite; cp live.sqlite-wal wal.sqlite-wal\n',
    );
    const f = join(dir, 'wal.sqlite');
    expect(statSync(`${f}-wal`).size).toBeGreaterThan(0);
    const want = kernelsBySqlite(f);
    rmSync(`${f}-shm`, { force: true }); // sqlite3 made one to read the WAL; we must make none
    const before = snapshot();
    const t = await openTrace(f);
    expect(t.model.kernels.count).toBe(want);
    expect(want).toBe(76);
    expect(snapshot()).toEqual(before); // read-only: no checkpoint, no -shm
  });

  it('a hot -journal of an interrupted write is rolled back in memory (it used to read as damaged data)', async () => {
    copyFileSync(STREAMS, join(dir, 'busy.sqlite'));
    sqlite(
      'busy.sqlite',
      "PRAGMA cache_size=2;\nBEGIN;\nDELETE FROM CUPTI_ACTIVITY_KIND_RUNTIME;\nDELETE FROM CUPTI_ACTIVITY_KIND_KERNEL;\nUPDATE StringIds SET value = value || 'padding padding padding padding';\n.shell cp busy.sqlite hot.sqlite; cp busy.sqlite-journal hot.sqlite-journal\nROLLBACK;\n",
    );
    const f = join(dir, 'hot.sqlite');
    const before = snapshot();
    const t = await openTrace(f);
    expect(t.model.kernels.count).toBe(151);
    expect(t.model.api.count).toBe(
      Number(execFileSync('sqlite3', ['-readonly', STREAMS, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME'], { encoding: 'utf8' })),
    );
    expect(snapshot()).toEqual(before);
  });

  it('a -wal that is not a WAL gets one line that says which file and what to do', async () => {
    copyFileSync(join(dir, 'wal.sqlite'), join(dir, 'badwal.sqlite'));
    writeFileSync(join(dir, 'badwal.sqlite-wal'), Buffer.alloc(4096, 7));
    const err = await openTrace(join(dir, 'badwal.sqlite')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TraceOpenError);
    expect((err as Error).message).toBe(
      'badwal.sqlite has a -wal file beside it that SQLite would read, and its -wal file does not start with the WAL magic number. Open the database once with the program that wrote it (or sqlite3) so that it finishes, or copy the database together with its -wal file again.',
    );
    expect(readFileSync(join(dir, 'badwal.sqlite-wal')).length).toBe(4096);
  });
});
