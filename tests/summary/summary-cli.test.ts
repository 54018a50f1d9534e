import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
const STATS = resolve(__dirname, '../fixtures/nsys-stats-2025.3');
const dir = mkdtempSync(join(tmpdir(), 'nsys-viewer-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

describe('nsys-viewer summary', () => {
  it('prints the human summary, cross-checked against NVIDIA nsys stats CSVs', async () => {
    const r = await run('summary', STREAMS, '--nsys-stats', STATS);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/capture window: +9\.815 s \(9815062162 ns\)/);
    expect(r.out).toMatch(/Host-to-Device +Pinned -> Device +12 +402\.653 MB +7\.393 ms +54\.46/);
    expect(r.out).toMatch(/Host-to-Device +Pageable -> Device +12 +402\.653 MB +64\.286 ms +6\.26/);
    expect(r.out).toMatch(/Checks: (\d+)\/\1 ok/);
  });

  it('writes the JSON to --out and will not overwrite it without --force', async () => {
    const file = join(dir, 'summary.json');
    expect((await run('summary', STREAMS, '--json', '--out', file)).code).toBe(0);
    const j = JSON.parse(readFileSync(file, 'utf8'));
    expect(j.run).toMatchObject({ type: 'nsys-sqlite', sqlite: 'streams.sqlite', capture_window_ns: 9815062162 });
    expect(j.gpu.kernels.top[0]).toMatchObject({ count: 48, total_ns: 127164326 });
    const again = await run('summary', STREAMS, '--json', '--out', file);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/File exists: .*summary\.json\. Pass --force/);
    expect((await run('summary', STREAMS, '--json', '--out', file, '--force')).code).toBe(0);
  });

  it('--out FILE.json writes JSON without --json; another extension keeps the text', async () => {
    const file = join(dir, 'inferred.json');
    expect((await run('summary', STREAMS, '--out', file)).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).run).toMatchObject({ sqlite: 'streams.sqlite', capture_window_ns: 9815062162 });
    const txt = join(dir, 'summary.txt');
    expect((await run('summary', STREAMS, '--out', txt)).code).toBe(0);
    expect(readFileSync(txt, 'utf8')).toMatch(/capture window: +9\.815 s \(9815062162 ns\)/);
  });

  it('says which stats folder is wrong', async () => {
    const r = await run('summary', STREAMS, '--nsys-stats', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no streams_<report>\.csv files there/);
  });
});
