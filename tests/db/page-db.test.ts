import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ColSpec, Db, RowFilter, TableScan } from '../../src/core/db/db';
import { PageDb, SqliteFormatError } from '../../src/core/db/page-db';
import { bytesSource } from '../../src/core/db/page-source';
import { SqlJsDb } from '../../src/core/db/sqljs-db';
import { openNsysSqlite } from '../../src/core/io/open-sqlite';
import { loadSqlJs } from '../../src/core/io/sqljs-node';
import { modelDiff } from '../helpers/model-diff';
import { repoRoot } from '../helpers/paths';

/**
 * The page reader (issue 15) on small files made here with the sqlite3 CLI: each answer must equal
 * sql.js's on the same bytes, and damaged pages must end in one SqliteFormatError, quickly.
 */
const dir = mkdtempSync(join(tmpdir(), 'nsys-viewer-page-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function make(script: string): Uint8Array {
  const f = join(dir, `db-${n++}.sqlite`);
  execFileSync('sqlite3', [f], { input: script });
  return new Uint8Array(readFileSync(f));
}
/** Root page of a table in the file make() wrote last, as sqlite3 reports it. */
const rootOf = (table: string) =>
  Number(
    execFileSync('sqlite3', ['-readonly', join(dir, `db-${n - 1}.sqlite`), `SELECT rootpage FROM sqlite_master WHERE name = '${table}'`], {
      encoding: 'utf8',
    }),
  );

async function both(bytes: Uint8Array): Promise<[Db, Db]> {
  return [new SqlJsDb(await loadSqlJs(), bytes), new PageDb(bytesSource(bytes))];
}

function scanOf<S extends ColSpec>(table: string, spec: S, extra: Partial<TableScan<S>> = {}): TableScan<S> {
  const from = {} as { [K in keyof S]: string | null };
  for (const k of Object.keys(spec) as (keyof S & string)[]) from[k] = k;
  return { table, spec, from, ...extra };
}

describe('the page reader reads what sql.js reads', () => {
  it('overflow pages: text longer than a page, ASCII and multi-byte, in rows and scans', async () => {
    const bytes = make(`PRAGMA page_size=512;
      CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, n INTEGER);
      INSERT INTO t VALUES (1, 'short', 1), (2, printf('%.*c', 5000, 'x'), 2), (3, replace(printf('%.*c', 900, 'x'), 'x', 'é✓'), 3), (4, NULL, NULL);`);
    const [a, b] = await both(bytes);
    expect(b.tableRows('t', ['id', 's', 'n'])).toEqual(a.tableRows('t', ['id', 's', 'n']));
    expect((b.tableRows('t', ['s'])[1][0] as string).length).toBe(5000);
    expect((b.tableRows('t', ['s'])[2][0] as string).length).toBe(1800);
    const spec = { id: 'f64', s: 'str', n: 'i32' } as const;
    expect(b.scan(scanOf('t', spec))).toEqual(a.scan(scanOf('t', spec)));
  });

  it('a table grown by ALTER TABLE ADD COLUMN: old rows read the defaults', async () => {
    const bytes = make(`CREATE TABLE t(a INTEGER, b TEXT);
      INSERT INTO t VALUES (1, 'one'), (2, 'two');
      ALTER TABLE t ADD COLUMN c INTEGER DEFAULT 7;
      ALTER TABLE t ADD COLUMN d TEXT DEFAULT 'dflt';
      ALTER TABLE t ADD COLUMN e REAL DEFAULT -2.5;
      ALTER TABLE t ADD COLUMN f INTEGER;
      INSERT INTO t VALUES (3, 'three', 30, 'd3', 1.5, 9);`);
    const [a, b] = await both(bytes);
    const cols = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(b.tableColumns('t')).toEqual(cols);
    expect(b.tableRows('t', cols)).toEqual(a.tableRows('t', cols));
    expect(b.tableRows('t', cols)[0]).toEqual([1, 'one', 7, 'dflt', -2.5, null]);
    const spec = { a: 'i32', b: 'str', c: 'f64', d: 'str', e: 'f64', f: 'i32' } as const;
    expect(b.scan(scanOf('t', spec))).toEqual(a.scan(scanOf('t', spec)));
  });

  it('a b-tree several pages deep, with the readers’ filters and their counts of rows left out', async () => {
    // 6000 rows on 512-byte pages: interior pages two levels above the leaves. Some rows have NULL,
    // text or REAL times, end before start, or the OSRT marker classes the readers leave out.
    const bytes = make(`PRAGMA page_size=512;
      CREATE TABLE ev(start INTEGER, "end" INTEGER, eventClass INTEGER, name TEXT, id INTEGER PRIMARY KEY);
      WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 6000)
      INSERT INTO ev(start, "end", eventClass, name)
        SELECT CASE i % 97 WHEN 0 THEN NULL WHEN 1 THEN 'text' WHEN 2 THEN i + 0.5 ELSE i * 1000 END,
               CASE i % 89 WHEN 0 THEN NULL WHEN 1 THEN i * 1000 - 5 ELSE i * 1000 + i % 7 END,
               CASE i % 13 WHEN 0 THEN 31 WHEN 1 THEN 32 WHEN 2 THEN NULL WHEN 3 THEN 'x' ELSE i % 5 END,
               'n' || i FROM k;`);
    const [a, b] = await both(bytes);
    const spec = { start: 'f64', end: 'f64', eventClass: 'i32', name: 'str', id: 'f64' } as const;
    const span: RowFilter = { kind: 'span', start: 'start', end: 'end' };
    const open: RowFilter = { kind: 'span', start: 'start', end: 'end', openEnd: true };
    const notIn: RowFilter = { kind: 'not-in', column: 'eventClass', values: [31, 32] };
    for (const extra of [{}, { valid: [span] }, { valid: [open] }, { where: [notIn], valid: [span] }, { where: [notIn] }]) {
      const want = a.scan(scanOf('ev', spec, extra));
      const got = b.scan(scanOf('ev', spec, extra));
      expect(got.count).toBe(want.count);
      expect(got.invalid).toBe(want.invalid);
      expect(modelDiff(got, want)).toEqual([]);
    }
    expect(b.scan(scanOf('ev', spec, { where: [notIn], valid: [span] })).count).toBeLessThan(6000);
    expect(b.scan(scanOf('ev', spec)).count).toBe(6000);
    // Numbers only, no filter but the span rule: the one-pass decode, whose rows with a NULL, text
    // or REAL value (or a span it cannot judge) take the general path row by row.
    const numeric = { start: 'f64', end: 'f64', eventClass: 'i32', id: 'f64', rowid: 'f64' } as const;
    const withRowid = (extra: Partial<TableScan<typeof numeric>>) => ({
      ...scanOf('ev', numeric, extra),
      from: { ...scanOf('ev', numeric).from, rowid: 'id' },
    });
    for (const extra of [{}, { valid: [span] }, { valid: [open] }]) {
      const want = a.scan(withRowid(extra));
      const got = b.scan(withRowid(extra));
      expect(got.count).toBe(want.count);
      expect(got.invalid).toBe(want.invalid);
      expect(modelDiff(got, want)).toEqual([]);
    }
    expect(b.scan(withRowid({ valid: [span] })).invalid).toBeGreaterThan(0);
  });

  it('the one-pass decode of numeric scans: old rows of an ALTERed table, absent columns, every integer width', async () => {
    const bytes = make(`CREATE TABLE t(a INTEGER, b INTEGER);
      INSERT INTO t VALUES (1, 2), (NULL, 3);
      ALTER TABLE t ADD COLUMN c INTEGER DEFAULT 7;
      INSERT INTO t VALUES (0, 1, 5), (-128, 127, -32768), (32767, -8388608, 8388607), (2147483647, -2147483648, 140737488355327),
        (-140737488355328, 9007199254740991, -9007199254740991), (1.5, 2, 3), ('4', 5, x'06');`);
    const [a, b] = await both(bytes);
    const spec = { a: 'f64', b: 'f64', c: 'i32', cf: 'f64', gone: 'i32' } as const;
    const scan = (extra: Partial<TableScan<typeof spec>>): TableScan<typeof spec> => ({
      table: 't',
      spec,
      from: { a: 'a', b: 'b', c: 'c', cf: 'c', gone: null },
      ...extra,
    });
    const span: RowFilter = { kind: 'span', start: 'a', end: 'b' };
    for (const extra of [{}, { valid: [span] }]) expect(modelDiff(b.scan(scan(extra)), a.scan(scan(extra)))).toEqual([]);
    expect(Array.from(b.scan(scan({})).cols.c.subarray(0, 2))).toEqual([7, 7]); // the ALTER's default
    // Rowids of 1 to 6 varint bytes (the cell read inline takes up to 4).
    const ids = make(`CREATE TABLE r(id INTEGER PRIMARY KEY, a INTEGER, b INTEGER);
      INSERT INTO r VALUES (5, 1, 2), (200, 3, 4), (20000, 5, 6), (3000000, 7, 8), (300000000, 9, 10), (1099511627776, 11, 12);`);
    const [c, d] = await both(ids);
    const rspec = { id: 'f64', a: 'i32', b: 'f64' } as const;
    expect(modelDiff(d.scan(scanOf('r', rspec)), c.scan(scanOf('r', rspec)))).toEqual([]);
    expect(Array.from(d.scan(scanOf('r', rspec)).cols.id)).toEqual([5, 200, 20000, 3000000, 300000000, 1099511627776]);
  });

  it('INTEGER PRIMARY KEY reads the rowid; a missing table reads empty', async () => {
    const bytes = make(`CREATE TABLE s(id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO s VALUES (5, 'five'), (-3, 'minus three'), (9007199254740991, 'big');
      CREATE TABLE p(x INTEGER, y TEXT, PRIMARY KEY(x)); INSERT INTO p VALUES (4, 'four');`);
    const [a, b] = await both(bytes);
    expect(b.tableRows('s', ['id', 'value'])).toEqual([
      [-3, 'minus three'],
      [5, 'five'],
      [9007199254740991, 'big'],
    ]);
    expect(b.tableRows('p', ['x', 'y'])).toEqual(a.tableRows('p', ['x', 'y']));
    expect(b.tableRows('nope', ['x'])).toEqual([]);
    const spec = { x: 'f64' } as const;
    expect(b.scan(scanOf('nope', spec))).toEqual(a.scan(scanOf('nope', spec)));
    expect(b.tableNames()).toEqual(a.tableNames());
  });
});

// ------------------------------------------------------------------ damaged pages

const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const put32 = (b: Uint8Array, o: number, v: number) => {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
};

/** A 512-byte-page file whose table t is several levels deep (and `big` has an overflow chain), and t's root page. */
function deepFile(): { bytes: Uint8Array; root: number; bigRoot: number } {
  const bytes = make(`PRAGMA page_size=512;
    CREATE TABLE t(a INTEGER, b TEXT);
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 5000) INSERT INTO t SELECT i, 'row ' || i FROM k;
    CREATE TABLE big(id INTEGER PRIMARY KEY, s TEXT); INSERT INTO big VALUES (1, printf('%.*c', 3000, 'y'));`);
  return { bytes, root: rootOf('t'), bigRoot: rootOf('big') };
}

function readT(bytes: Uint8Array, table = 't'): () => unknown {
  return () => {
    const db = new PageDb(bytesSource(bytes));
    const spec = { a: 'f64', b: 'str' } as const;
    return table === 't' ? db.scan(scanOf('t', spec)) : db.tableRows(table, ['id', 's']);
  };
}

describe('damaged pages end in one clear error, never a hang', () => {
  it('an interior page that points to itself (a cycle)', () => {
    const { bytes, root } = deepFile();
    const at = (root - 1) * 512;
    expect(bytes[at]).toBe(0x05);
    put32(bytes, at + 8, root);
    expect(readT(bytes)).toThrow(SqliteFormatError);
    expect(readT(bytes)).toThrow(`page ${root} is reached twice (a b-tree): the file's b-tree has a cycle`);
  });

  it('a child page past the end of the file', () => {
    const { bytes, root } = deepFile();
    put32(bytes, (root - 1) * 512 + 8, 4_000_000_000);
    expect(readT(bytes)).toThrow(/a b-tree points to page 4000000000, outside the file's \d+ pages/);
  });

  it('an overflow chain that loops back on itself', () => {
    const { bytes, bigRoot } = deepFile();
    const leaf = (bigRoot - 1) * 512;
    expect(bytes[leaf]).toBe(0x0d);
    // The one cell: payload-size varint, rowid varint (1: one byte), the local part of the payload,
    // then the first overflow page number (fileformat2.html §1.6 gives the local size).
    let at = leaf + ((bytes[leaf + 8] << 8) | bytes[leaf + 9]);
    let payload = 0;
    for (;;) {
      const c = bytes[at++];
      payload = payload * 128 + (c & 0x7f);
      if (c < 0x80) break;
    }
    at++;
    const U = 512;
    const M = Math.floor(((U - 12) * 32) / 255) - 23;
    const K = M + ((payload - M) % (U - 4));
    const first = u32(bytes, at + (K <= U - 35 ? K : M));
    put32(bytes, (first - 1) * 512, first); // the first overflow page says the next one is itself
    expect(readT(bytes, 'big')).toThrow(`page ${first} is reached twice (an overflow chain): the file's b-tree has a cycle`);
  });

  it('a cell whose varints run past its page, and a page claiming more cells than fit', () => {
    const { bytes, root } = deepFile();
    // Find a leaf: follow the root's first child down.
    let p = root;
    while (bytes[(p - 1) * 512] === 0x05) {
      const at = (p - 1) * 512;
      const cell = (bytes[at + 12] << 8) | bytes[at + 13];
      p = u32(bytes, at + cell);
    }
    const leaf = (p - 1) * 512;
    const bad = Uint8Array.from(bytes);
    bad[leaf + 8] = 0x01; // the first cell pointer → 510: two bytes from the end
    bad[leaf + 9] = 0xfe;
    bad[leaf + 510] = 0xff;
    bad[leaf + 511] = 0xff;
    expect(readT(bad)).toThrow('a varint runs past its page');
    const many = Uint8Array.from(bytes);
    many[leaf + 3] = 0xff; // 65280+ cells on a 512-byte page
    expect(readT(many)).toThrow(/page \d+ claims \d+ cells/);
  });

  it('a file that is not SQLite, and a header with an impossible page size', () => {
    expect(
      () => new PageDb(bytesSource(new TextEncoder().encode('not a database at all, but long enough to have a header '.repeat(3)))),
    ).toThrow('the file does not start with the SQLite header');
    const { bytes } = deepFile();
    bytes[16] = 0x03;
    bytes[17] = 0x00;
    expect(() => new PageDb(bytesSource(bytes))).toThrow('its header names an impossible page size (768)');
  });
});

describe('which reader opens an export', () => {
  it('the page reader, unless the file has what it does not read (then sql.js, which reads all SQLite)', async () => {
    const plain = join(dir, 'plain.sqlite');
    const withoutRowid = join(dir, 'without-rowid.sqlite');
    copyFileSync(resolve(repoRoot, 'tests/fixtures/nsys-2025.3/streams.sqlite'), plain);
    copyFileSync(plain, withoutRowid);
    execFileSync('sqlite3', [withoutRowid, 'CREATE TABLE extra(k INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID;']);
    const a = await openNsysSqlite(plain);
    const b = await openNsysSqlite(withoutRowid);
    try {
      expect(a).toBeInstanceOf(PageDb);
      expect(b).toBeInstanceOf(SqlJsDb);
      expect(new PageDb(bytesSource(new Uint8Array(readFileSync(withoutRowid)))).unsupported()).toBe(
        'table extra is a WITHOUT ROWID table',
      );
    } finally {
      a.close();
      b.close();
    }
  });
});
