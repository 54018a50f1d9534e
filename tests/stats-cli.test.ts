import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli';

const STREAMS = resolve(__dirname, 'fixtures/nsys-2025.3/streams.sqlite');
const MULTIPROC = resolve(__dirname, 'fixtures/nsys-2025.3/multiproc.sqlite');
const expected = (f: string) => readFileSync(resolve(__dirname, 'fixtures/nsys-stats-2025.3', f), 'utf8');

const run = runCli;

describe('nsys-viewer stats', () => {
  it('prints one report exactly as nsys stats --format csv', async () => {
    const r = await run('stats', STREAMS, '--report', 'cuda_kern_exec_sum', '--format', 'csv');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(expected('streams_cuda_kern_exec_sum.csv'));
  });

  it('separates several reports as nsys does on stdout, the CSVs unchanged', async () => {
    const r = await run('stats', MULTIPROC, '--report', 'nvtx_sum,cuda_api_sum', '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `Processing [multiproc.sqlite] with [nvtx_sum]... \n${expected('multiproc_nvtx_sum.csv')}\n` +
        `Processing [multiproc.sqlite] with [cuda_api_sum]... \n${expected('multiproc_cuda_api_sum.csv')}\n`,
    );
  });

  it('says SKIPPED on stderr for a report without data (multiproc has no OSRT)', async () => {
    const r = await run('stats', MULTIPROC, '--report', 'osrt_sum', '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^SKIPPED: multiproc\.sqlite has no events for osrt_sum/);
  });

  it('prints a table by default and filters by process', async () => {
    const r = await run('stats', MULTIPROC, '--report', 'cuda_kern_exec_sum', '--pid', '163');
    expect(r.code).toBe(0);
    const rows = r.out.trimEnd().split('\n').slice(2);
    expect(rows.length).toBe(4); // 4 of the 8 groups in NVIDIA's CSV are pid 163
    for (const row of rows) expect(row).toMatch(/^\s*163\s+163\s+0\s/);
  });

  it('--filter-nvtx narrows to one NVTX range like nsys stats', async () => {
    const r = await run('stats', STREAMS, '--report', 'nvtx_sum', '--format', 'csv', '--filter-nvtx', 'step 2');
    expect(r.err).toBe('');
    const step2 = expected('streams_nvtx_sum.csv')
      .split('\n')
      .find((l) => l.endsWith(',:step 2'))!;
    expect(r.out).toBe(`${expected('streams_nvtx_sum.csv').split('\n')[0]}\n${step2.replace(/^8\.1,/, '100.0,')}\n`);
    const bad = await run('stats', STREAMS, '--report', 'nvtx_sum', '--filter-nvtx', 'step 9');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/NVTX range 'step 9' could not be found in streams\.sqlite/);
  });

  it('rejects an unknown report in one line listing the valid ones, exit 2', async () => {
    const r = await run('stats', STREAMS, '--report', 'cuda_api_sum,gpukernsum');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'nsys-viewer stats: Unknown report "gpukernsum". Valid reports: cuda_gpu_kern_sum, cuda_gpu_mem_time_sum, cuda_gpu_mem_size_sum, nvtx_sum, cuda_api_sum, osrt_sum, cuda_kern_exec_sum.\n',
    );
    const missing = await run('stats', STREAMS);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/Missing --report NAME\. Valid reports: cuda_gpu_kern_sum/);
  });
});
