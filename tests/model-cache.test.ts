import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_CACHE_NAME } from '../src/core/io/model-cache';
import { pruneCache } from '../src/core/io/nsys-export';
import { openTrace } from '../src/core/io/open-trace';
import { tracePath } from './helpers/paths';

const root = mkdtempSync(join(tmpdir(), 'nsys-viewer-model-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Issue 15: reopening reuses the persisted model; a changed or damaged entry is rebuilt, never trusted. */
describe('persisted model cache', () => {
  const cacheDir = join(root, 'cache');
  const trace = join(root, 'streams.sqlite');
  copyFileSync(tracePath('tests/fixtures/nsys-2025.3/streams.sqlite'), trace);
  const open = (p = trace) => openTrace(p, { cacheDir, modelCache: true, modelCacheCode: 'test-build' });
  const entries = () => readdirSync(cacheDir).filter((f) => MODEL_CACHE_NAME.test(f));

  it('stores the model on first open and reads the same model back', async () => {
    const first = await open();
    expect(first.modelFromCache).toBeUndefined();
    expect(entries()).toHaveLength(1);
    const again = await open();
    expect(again.modelFromCache).toBe(true);
    expect(again.model).toEqual(first.model);
  });

  it('rebuilds a corrupt entry (one flipped byte, or truncated) and rewrites it', async () => {
    const fresh = (await openTrace(trace, { modelCache: false })).model;
    const entry = join(cacheDir, entries()[0]);
    const bytes = readFileSync(entry);
    bytes[bytes.length - 9] ^= 0xff;
    writeFileSync(entry, bytes);
    const afterFlip = await open();
    expect(afterFlip.modelFromCache).toBeUndefined();
    expect(afterFlip.model).toEqual(fresh);
    expect((await open()).modelFromCache).toBe(true);
    writeFileSync(entry, readFileSync(entry).subarray(0, 1000));
    const afterCut = await open();
    expect(afterCut.modelFromCache).toBeUndefined();
    expect(afterCut.model).toEqual(fresh);
  });

  it('misses when the file changes under the same path, or the code that built the entry differs', async () => {
    copyFileSync(tracePath('tests/fixtures/nsys-2025.3/multiproc.sqlite'), trace);
    const changed = await open();
    expect(changed.modelFromCache).toBeUndefined();
    expect(changed.model).toEqual((await openTrace(trace, { modelCache: false })).model);
    const otherBuild = await openTrace(trace, { cacheDir, modelCache: true, modelCacheCode: 'next-build' });
    expect(otherBuild.modelFromCache).toBeUndefined();
  });

  it('is evicted with the exports when the cache is over its cap', () => {
    expect(entries().length).toBeGreaterThan(0);
    pruneCache(cacheDir, join(cacheDir, 'none'), 0);
    expect(entries()).toHaveLength(0);
  });
});
