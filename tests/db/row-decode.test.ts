import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SqlJsDb } from '../../src/core/db/sqljs-db';
import { loadSqlJs } from '../../src/core/io/sqljs-node';
import { buildModelAsync } from '../../src/core/model/build-model';
import { tracePath } from '../helpers/paths';

/**
 * The columnar read over SQLite's C API (issue 15) must give the very model that sql.js's public
 * step/get loop gives: every typed array and string, on a 2025.3 and a 2022.4 export.
 */
async function modelBoth(path: string) {
  const SQL = await loadSqlJs();
  const bytes = new Uint8Array(readFileSync(path));
  const fast = new SqlJsDb(SQL, bytes);
  const portable = new SqlJsDb(SQL, bytes, { rowDecode: 'portable' });
  try {
    return [await buildModelAsync(fast, { sourceName: 'x' }), await buildModelAsync(portable, { sourceName: 'x' })];
  } finally {
    fast.close();
    portable.close();
  }
}

describe('row decoding through the C API', () => {
  it.each(['tests/fixtures/nsys-2025.3/streams.sqlite', 'tests/fixtures/nsys-2022.4/cpu_nvtx.sqlite'])(
    '%s reads the same model both ways',
    async (p) => {
      const [fast, portable] = await modelBoth(tracePath(p));
      expect(fast.kernels.count + fast.api.count + fast.nvtx.count + fast.osrt.count).toBeGreaterThan(0);
      expect(fast).toEqual(portable);
    },
  );

  it('converts NULL, text, floats and large integers as sql.js does', async () => {
    const SQL = await loadSqlJs();
    const mem = new SQL.Database();
    mem.run("CREATE TABLE t(a, b, s); INSERT INTO t VALUES (NULL, 9007199254740991, 'x'), ('12', 1.5, 7), (-3, NULL, NULL)");
    const bytes = mem.export();
    mem.close();
    const spec = { a: 'i32', b: 'f64', s: 'str' } as const;
    const read = (o: { rowDecode?: 'portable' }) => {
      const db = new SqlJsDb(SQL, bytes, o);
      try {
        return db.columns('SELECT a, b, s FROM t', spec);
      } finally {
        db.close();
      }
    };
    const fast = read({});
    expect(fast).toEqual(read({ rowDecode: 'portable' }));
    expect(Array.from(fast.cols.a)).toEqual([-1, 12, -3]);
    expect(Array.from(fast.cols.b)).toEqual([9007199254740991, 1.5, -1]);
    expect(fast.cols.s).toEqual(['x', '7', null]);
  });
});
