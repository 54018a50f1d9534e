import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/nsys-viewer';
import { FORMULA_START, defuseFormula } from '../../src/core/util/csv-formula';
import { repoRoot } from '../helpers/paths';

const STREAMS = resolve(repoRoot, 'tests/fixtures/nsys-2025.3/streams.sqlite');
const root = mkdtempSync(join(tmpdir(), 'nsys-viewer-output-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const caseDir = () => {
  const d = join(root, `case-${n++}`);
  mkdirSync(d);
  return d;
};

const OSC_TITLE = '\x1b]0;pwned\x07';
/**
 * streams.sqlite with hostile kernel names: the cuBLAS gemm (48 launches) retitles the terminal,
 * the FillFunctor kernel (6) is a spreadsheet formula, the philox kernel's short name starts with "-".
 */
const hostile = (() => {
  const f = join(caseDir(), 'hostile.sqlite');
  copyFileSync(STREAMS, f);
  execFileSync('sqlite3', [
    f,
    `UPDATE StringIds SET value = char(27) || ']0;pwned' || char(7) || value WHERE value LIKE 'sm80_xmma_gemm%';
     UPDATE StringIds SET value = '=HYPERLINK("http://x","y")' WHERE value LIKE 'void at::native::vectorized_elementwise_kernel<(int)4, at::native::FillFunctor%';
     UPDATE StringIds SET value = '-2+3' WHERE value = 'distribution_elementwise_grid_stride_kernel';`,
  ]);
  return f;
})();

async function run(argv: string[], outIsTerminal?: boolean) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t), outIsTerminal });
  return { code, out, err };
}

describe('trace strings never reach the terminal raw', () => {
  it('an OSC sequence in a kernel name is shown escaped in stats tables and messages', async () => {
    const r = await run(['stats', hostile, '--report', 'cuda_gpu_kern_sum']);
    expect(r.code).toBe(0);
    expect(r.out.includes('\x1b') || r.out.includes('\x07')).toBe(false);
    expect(r.out).toContain('\\x1b]0;pwned\\x07sm80_xmma_gemm');
    const missing = join(caseDir(), `a${OSC_TITLE}\x1b[2Jb.sqlite`);
    const m = await run(['info', missing]);
    expect(m.code).toBe(1);
    expect(m.err.includes('\x1b') || m.err.includes('\x07')).toBe(false);
    expect(m.err).toContain('a\\x1b]0;pwned\\x07\\x1b[2Jb.sqlite does not exist');
  });

  it('piped stdout (not a terminal) stays byte-exact data', async () => {
    const r = await run(['stats', hostile, '--report', 'cuda_gpu_kern_sum', '--format', 'csv'], false);
    expect(r.out).toContain(`${OSC_TITLE}sm80_xmma_gemm`);
  });
});

describe('CSV cells that a spreadsheet would run are defused (OWASP), numbers stay numbers', () => {
  it('the rule: formula starts get a quote mark, numeric text does not', () => {
    for (const s of ['=1+1', '+cmd', '-2+3', '@SUM(A1)', '\tx', '\rx', '-', '--- step ---'])
      expect([s, defuseFormula(s)]).toEqual([s, `'${s}`]);
    for (const s of ['-12.5', '+3', '-3e-7', '0.25', '-.5', 'sgemm', '', 'a=b']) expect([s, defuseFormula(s)]).toEqual([s, s]);
    expect(Papa.unparse([[-5, '-0.25', '=1', 'ok']], { escapeFormulae: FORMULA_START })).toBe(`-5,-0.25,"'=1",ok`);
  });

  it('stats --format csv and export-csv write the formula kernel as text', async () => {
    const r = await run(['stats', hostile, '--report', 'cuda_gpu_kern_sum', '--format', 'csv'], false);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`,"'=HYPERLINK(""http://x"",""y"")"\n`);
    expect(r.out.split('\n').some((l) => /^[=+@]/.test(l))).toBe(false);
    const d = join(caseDir(), 'out');
    const e = await run(['export-csv', hostile, '--from', '7000', '--to', '9000', '--out', d]);
    expect(e.code).toBe(0);
    const kernels = Papa.parse<Record<string, string>>(readFileSync(join(d, 'kernels_7000-9000ms.csv'), 'utf8'), {
      header: true,
      skipEmptyLines: true,
    });
    const names = new Set(
      kernels.data.map((row) => row.kernel_name ?? row.name ?? Object.values(row).find((v) => v.includes('HYPERLINK'))),
    );
    expect([...names].filter((v) => v?.includes('HYPERLINK'))).toEqual([`'=HYPERLINK("http://x","y")`]);
    const all = readdirSync(d)
      .map((f) => readFileSync(join(d, f), 'utf8'))
      .join('\n');
    expect(all).not.toMatch(/(^|,)[=+@]/m);
    expect(all).not.toMatch(/(^|,)-2\+3/m);
  });
});

describe('outputs never follow a dangling symlink without --force', () => {
  it('export-csv and summary --out refuse, and with --force replace the link, not its target', async () => {
    const d = caseDir();
    const target = join(d, 'elsewhere.txt');
    const out = join(d, 'out');
    mkdirSync(out);
    symlinkSync(target, join(out, 'trimmed.csv'));
    const r = await run(['export-csv', STREAMS, '--from', '8440', '--to', '8540', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `nsys-viewer export-csv: File exists: ${join(out, 'trimmed.csv')}. Pass --force to overwrite, or choose another --out.\n`,
    );
    expect(existsSync(target)).toBe(false);
    const f = await run(['export-csv', STREAMS, '--from', '8440', '--to', '8540', '--out', out, '--force']);
    expect(f.code).toBe(0);
    expect(existsSync(target)).toBe(false);
    expect(lstatSync(join(out, 'trimmed.csv')).isFile()).toBe(true);

    const summaryOut = join(d, 'summary.md');
    symlinkSync(target, summaryOut);
    const s = await run(['summary', STREAMS, '--out', summaryOut]);
    expect(s.code).toBe(1);
    expect(s.err).toBe(`nsys-viewer summary: File exists: ${summaryOut}. Pass --force to overwrite, or choose another --out.\n`);
    expect(existsSync(target)).toBe(false);
  });
});
