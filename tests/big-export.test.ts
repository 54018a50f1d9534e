import { copyFileSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openTrace } from '../src/core/io/open-trace';
import { modelDiff } from './helpers/model-diff';
import { tracePath } from './helpers/paths';

const root = mkdtempSync(join(tmpdir(), 'nsys-viewer-big-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Issue 15: exports over 2 GiB were refused (sql.js's wasm32 heap and readFileSync stop there), and
// `serve` printed its URL before failing. The page reader opens them without holding the file: a
// 3 GiB sparse file (the real export, then 3 GiB of holes past its last page, which SQLite ignores
// as the header's page count says) reads as the export itself.
it('opens an export over 2 GiB as the same model (a sparse file: no disk used)', async () => {
  const src = tracePath('tests/fixtures/nsys-2025.3/multiproc.sqlite');
  const f = join(root, 'multiproc.sqlite');
  copyFileSync(src, f);
  truncateSync(f, 3 * 2 ** 30);
  const big = await openTrace(f, { cacheDir: join(root, 'cache'), modelCache: false });
  const small = await openTrace(src, { cacheDir: join(root, 'cache'), modelCache: false });
  expect(big.model.kernels.count).toBeGreaterThan(0);
  expect(modelDiff(big.model, small.model)).toEqual([]);
});
