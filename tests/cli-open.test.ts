import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli';

const REPORT_2022 = resolve(__dirname, 'fixtures/nsys-2022.4/cpu_nvtx.nsys-rep');
const cache = mkdtempSync(join(tmpdir(), 'nsys-viewer-cli-cache-'));
process.env.NSYS_VIEWER_CACHE = cache;
afterAll(() => rmSync(cache, { recursive: true, force: true }));

const run = (argv: string[]) => runCli(...argv);

describe('CLI --nsys', () => {
  it('uses the nsys it is given, and says so when it is not there', async () => {
    const r = await run(['info', REPORT_2022, '--nsys', '/nonexistent/bin/nsys']);
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('/nonexistent/bin/nsys');
  });

  it.runIf(existsSync('/usr/bin/nsys') || process.env.CI)('exports a real 2022.4 report with --nsys /usr/bin/nsys', async () => {
    const r = await run(['info', REPORT_2022, '--nsys', '/usr/bin/nsys']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/NVTX:\s+10\b/);
  });

  it('rejects a non-numeric --timeout-s in one line', async () => {
    const r = await run(['info', REPORT_2022, '--timeout-s', 'soon']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('nsys-viewer info: --timeout-s must be a number (got "soon").\n');
  });
});
