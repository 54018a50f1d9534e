import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
const dir = mkdtempSync(join(tmpdir(), 'nsys-viewer-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

describe('nsys-viewer export-csv', () => {
  const out = join(dir, 'win');

  it('writes the five GPU files and the three CPU ones into a new folder', async () => {
    const r = await run('export-csv', STREAMS, '--from', '8440', '--to', '8540', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'cuda_api_8440-8540ms.csv',
      'kernel_memcpy_pairs_8440-8540ms.csv',
      'kernels_8440-8540ms.csv',
      'memcpy_8440-8540ms.csv',
      'memcpy_e2e_8440-8540ms.csv',
      'nvtx_8440-8540ms.csv',
      'osrt_8440-8540ms.csv',
      'trimmed.csv',
    ]);
    const kernels = Papa.parse<Record<string, string>>(readFileSync(join(out, 'kernels_8440-8540ms.csv'), 'utf8'), {
      header: true,
      skipEmptyLines: true,
    });
    expect(kernels.data.length).toBe(26);
    expect(r.out).toContain('kernels_8440-8540ms.csv');
  });

  it('refuses to overwrite, and leaves the files untouched, unless --force', async () => {
    const target = join(out, 'trimmed.csv');
    writeFileSync(target, 'mine\n');
    const r = await run('export-csv', STREAMS, '--from', '8440', '--to', '8540', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Files exist: .*trimmed\.csv.*Pass --force/);
    expect(readFileSync(target, 'utf8')).toBe('mine\n');
    // --force before TRACE: the flag must not swallow the trace path.
    const f = await run('export-csv', '--force', STREAMS, '--from', '8440', '--to', '8540', '--out', out);
    expect(f.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toMatch(/^engine,start_time,end_time,/);
  });

  it('says where the GPU work is when the window holds none', async () => {
    const r = await run('export-csv', STREAMS, '--from', '8', '--to', '9', '--out', join(dir, 'empty'));
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      "Note: no GPU work overlaps this window; the trace's GPU work spans 7397.943–8788.884 ms since session start (--from/--to are ms, not s).\n",
    );
  });

  it('explains bad arguments in one line', async () => {
    const a = await run('export-csv', STREAMS, '--from', '10', '--out', out);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--from, --to .* and --out DIR are required/);
    const b = await run('export-csv', STREAMS, '--from', '20', '--to', '10', '--out', out);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/Empty window/);
    const c = await run('export-csv', join(dir, 'missing.sqlite'), '--from', '1', '--to', '2', '--out', out);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/missing\.sqlite/);
    expect(c.err.trim().split('\n').length).toBe(1);
  });
});
