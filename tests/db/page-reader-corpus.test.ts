import { describe, expect, it } from 'vitest';
import { openNsysSqlite, type SqliteReader } from '../../src/core/io/open-sqlite';
import { buildModelAsync } from '../../src/core/model/build-model';
import type { TraceModel } from '../../src/core/model/types';
import { modelDiff } from '../helpers/model-diff';
import { haveSharedTraces, onCI } from '../helpers/paths';
import { allSharedSqlite } from '../helpers/shared-sqlite';

/**
 * Issue 15: the page reader (db/page-db.ts) must build the very model sql.js builds — every typed
 * array, string and map — from every real export we have (nsys 2020.3–2025.5: ../shared/traces and
 * ../shared/corpus, xz ones unpacked to the temp folder).
 */
async function model(path: string, reader: SqliteReader): Promise<TraceModel> {
  const db = await openNsysSqlite(path, 'x', reader);
  try {
    return await buildModelAsync(db, { sourceName: 'x' });
  } finally {
    db.close();
  }
}

describe.skipIf(!haveSharedTraces && !onCI)('the page reader builds the same model as sql.js', () => {
  const files = haveSharedTraces || onCI ? allSharedSqlite() : [];
  it('finds the exports', () => expect(files.length).toBeGreaterThanOrEqual(15));
  for (const f of files) {
    it(
      f.name,
      async () => {
        const viaSqlJs = await model(f.path, 'sqljs');
        const viaPages = await model(f.path, 'pages');
        expect(viaPages.kernels.count + viaPages.api.count + viaPages.nvtx.count + viaPages.osrt.count).toBeGreaterThan(0);
        expect(modelDiff(viaPages, viaSqlJs)).toEqual([]);
      },
      60_000,
    );
  }
});
