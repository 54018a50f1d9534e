// Stats, Summary and Export panels in headless Chromium on the real streams trace (nsys 2025.3,
// H100) through the `serve` host. Figures are checked against sqlite3 queries on the same file.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Download } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceModel } from '../../src/core/model/types';
import { buildSummary } from '../../src/core/summary/summary';
import { runCli } from '../helpers/cli';
import { type Browser, type ViewerSession, serveTraceInBrowser, waitIdle } from './browser';

const STREAMS = resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite');
const sql = (q: string) => execFileSync('sqlite3', [STREAMS, q], { encoding: 'utf8' }).trim();
let browser: Browser;
let model: TraceModel;
let step1: { index: number; t0: number; t1: number };

const page = () => browser.page;
async function showWindow(t0: number, t1: number) {
  await page().evaluate(([a, b]) => window.__nsysAutomation!.view(a, b), [t0, t1] as const);
  await waitIdle(page());
}
const timeToX = (t: number) => page().evaluate((tt) => window.__nsysAutomation!.timeToX(tt), t);
async function openTab(id: string) {
  await page().click(`[data-tab="${id}"]`);
}
/** The stats table as header + rows of cell text. */
async function statsTable() {
  const table = page().getByTestId('stats-table');
  await table.waitFor({ timeout: 15_000 });
  return table.evaluate((t) => ({
    head: [...t.querySelectorAll('thead th')].map((th) => (th.textContent ?? '').replace(/ [▲▼]$/, '')),
    rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  }));
}
const column = (t: { head: string[]; rows: string[][] }, name: string) => t.rows.map((r) => r[t.head.indexOf(name)]);
const total = (v: string[]) => v.reduce((a, x) => a + Number(x), 0);
/** Wait until the stats table's Instances column sums to something other than `not`. */
async function instancesAfterChange(not: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const s = total(column(await statsTable(), 'Instances'));
    if (s !== not) return s;
    await page().waitForTimeout(100);
  }
  return not;
}

let session: ViewerSession;
beforeAll(async () => {
  session = await serveTraceInBrowser(STREAMS);
  ({ model, browser } = session);
  const index = model.nvtx.nameId.findIndex((id) => model.strings[id] === 'step 1');
  step1 = { index, t0: model.nvtx.startNs[index], t1: model.nvtx.endNs[index] };
}, 180_000);

afterAll(() => session?.close());

describe('Stats panel', () => {
  it('shows cuda_gpu_kern_sum of the whole trace and sorts numbers as numbers, names as text', async () => {
    await openTab('stats');
    const t = await statsTable();
    expect(t.head).toEqual([
      'Time (%)',
      'Total Time (ns)',
      'Instances',
      'Avg (ns)',
      'Med (ns)',
      'Min (ns)',
      'Max (ns)',
      'StdDev (ns)',
      'Name',
    ]);
    expect(t.rows).toHaveLength(Number(sql('SELECT count(DISTINCT demangledName) FROM CUPTI_ACTIVITY_KIND_KERNEL')));
    expect(total(column(t, 'Instances'))).toBe(Number(sql('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL')));
    expect(total(column(t, 'Total Time (ns)'))).toBe(Number(sql('SELECT sum(end - start) FROM CUPTI_ACTIVITY_KIND_KERNEL')));

    // Numeric column: first click sorts largest first, second click reverses.
    await page().click('[data-testid="stats-table"] th:has-text("Instances")');
    const desc = column(await statsTable(), 'Instances').map(Number);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await page().click('[data-testid="stats-table"] th:has-text("Instances")');
    const asc = column(await statsTable(), 'Instances').map(Number);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    // "Avg (ns)" holds strings like "2658517.5": sorted by value, not character by character.
    await page().click('[data-testid="stats-table"] th:has-text("Avg (ns)")');
    const avg = column(await statsTable(), 'Avg (ns)');
    expect(avg.map(Number)).toEqual(avg.map(Number).sort((a, b) => b - a));
    // Text column: alphabetical, A first.
    await page().click('[data-testid="stats-table"] th:has-text("Name")');
    const names = column(await statsTable(), 'Name');
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' })));

    // Another report: the API summary counts every CUDA runtime call.
    await page().selectOption('[data-testid="stats-report"]', 'cuda_api_sum');
    await page().getByTestId('stats-table').locator('th', { hasText: 'Num Calls' }).waitFor({ timeout: 15_000 });
    expect(total(column(await statsTable(), 'Num Calls'))).toBe(Number(sql('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME')));
    expect(browser.errors).toEqual([]);
  });

  it('selected range: kernels overlapping the shift-drag range, as sqlite3 counts them', async () => {
    await showWindow(step1.t0 - 10e6, step1.t1 + 10e6);
    const r = await page().evaluate(() => window.__nsysAutomation!.canvasRect());
    const y = r.top + 50;
    await page().keyboard.down('Shift');
    await page().mouse.move(await timeToX(step1.t0), y);
    await page().mouse.down();
    await page().mouse.move(await timeToX((step1.t0 + step1.t1) / 2), y, { steps: 4 });
    await page().mouse.move(await timeToX(step1.t1), y, { steps: 4 });
    await page().mouse.up();
    await page().keyboard.up('Shift');
    // The exact range, to the ns, as the Export tab shows it.
    await openTab('export');
    await page().waitForFunction(
      () => (document.querySelector('[data-testid="export-to"]') as HTMLInputElement | null)?.value !== '',
      undefined,
      { timeout: 5000 },
    );
    const fromMs = Number(await page().getByTestId('export-from').inputValue());
    const toMs = Number(await page().getByTestId('export-to').inputValue());
    expect(toMs - fromMs).toBeGreaterThan(((step1.t1 - step1.t0) / 1e6) * 0.9);
    const [a, b] = [Math.round(fromMs * 1e6), Math.round(toMs * 1e6)];

    await openTab('stats');
    const whole = total(column(await statsTable(), 'Instances'));
    await page().click('[data-testid="stats-scope-range"]');
    const inRange = await instancesAfterChange(whole);
    // nsys --filter-time rule: start < t1 and end >= t0.
    expect(inRange).toBe(Number(sql(`SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE start < ${b} AND end >= ${a}`)));
    await expect(page().getByTestId('stats-scope-text').textContent()).resolves.toContain('overlapping the selected range');
  });

  it('selected NVTX range: GPU work launched by its thread inside it (correlation), as sqlite3 joins it', async () => {
    await page().keyboard.press('Escape');
    await showWindow(step1.t0 - 10e6, step1.t1 + 10e6);
    const nvtxTrack = model.tracks.find((t) => t.lane === 'nvtx')!;
    const y = (await page().evaluate((id) => window.__nsysAutomation!.trackY(id), nvtxTrack.id))!;
    await page().mouse.click(await timeToX((step1.t0 + step1.t1) / 2), y);
    await page().waitForFunction(() => window.__nsysAutomation!.state().selected?.lane === 'nvtx', undefined, { timeout: 5000 });
    expect((await page().evaluate(() => window.__nsysAutomation!.state().selected))!.index).toBe(step1.index);

    await openTab('stats');
    const whole = total(column(await statsTable(), 'Instances'));
    await page().click('[data-testid="stats-scope-nvtx"]');
    const launched = await instancesAfterChange(whole);
    expect(launched).toBe(
      Number(
        sql(`SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON r.correlationId = k.correlationId,
      NVTX_EVENTS n WHERE n.text = 'step 1' AND r.globalTid = n.globalTid AND r.start >= n.start AND r.start < n.end`),
      ),
    );
    await expect(page().getByTestId('stats-scope-text').textContent()).resolves.toContain('NVTX range “step 1”');
    // Memory ops launched in step 1: bytes as sqlite3 sums them (MB = 10^6 bytes, nsys's 3 decimals).
    await page().selectOption('[data-testid="stats-report"]', 'cuda_gpu_mem_size_sum');
    await page().getByTestId('stats-table').locator('th', { hasText: 'Total (MB)' }).waitFor({ timeout: 15_000 });
    const mb = total(column(await statsTable(), 'Total (MB)'));
    expect(mb).toBeCloseTo(
      Number(
        sql(`SELECT sum(m.bytes) FROM CUPTI_ACTIVITY_KIND_MEMCPY m JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON r.correlationId = m.correlationId,
      NVTX_EVENTS n WHERE n.text = 'step 1' AND r.globalTid = n.globalTid AND r.start >= n.start AND r.start < n.end`),
      ) / 1e6,
      2,
    );
    expect(browser.errors).toEqual([]);
  });
});

describe('Summary panel', () => {
  it('shows the capture window, checks all ok, and idle gaps for the typed threshold', async () => {
    await openTab('summary');
    const checks = page().getByTestId('summary-checks');
    await checks.waitFor({ timeout: 15_000 });
    const expected = buildSummary(model, { idleGapThresholdNs: 1e6 });
    expect(await checks.textContent()).toBe(`Checks: ${expected.checks.length}/${expected.checks.length} ok`);
    await expect(page().getByTestId('summary-capture').textContent()).resolves.toContain(
      `(${model.meta.sessionEndNs - model.meta.sessionStartNs} ns)`,
    );
    await expect(page().getByTestId('summary-kernels').textContent()).resolves.toContain('sm80_xmma_gemm');
    await expect(page().getByTestId('summary-memcpy').textContent()).resolves.toContain('Pageable');
    await expect(page().getByTestId('summary-waits').textContent()).resolves.toMatch(/poll|futex|pthread_cond|sem_/);
    const gaps = page().getByTestId('summary-gaps-gpu-0').getByTestId('summary-gap-count');
    expect(Number(await gaps.textContent())).toBe(expected.gpu.idle_gaps.devices[0].gap_count);
    // Raise the threshold: fewer gaps, the count buildSummary gives for 50 ms.
    const at50 = buildSummary(model, { idleGapThresholdNs: 50e6 }).gpu.idle_gaps.devices[0].gap_count;
    expect(at50).toBeLessThan(expected.gpu.idle_gaps.devices[0].gap_count);
    await page().fill('[data-testid="summary-gap-ms"]', '50');
    await page().waitForFunction(
      (n) => document.querySelector('[data-testid="summary-gaps-gpu-0"] [data-testid="summary-gap-count"]')?.textContent === String(n),
      at50,
      { timeout: 15_000 },
    );
    expect(browser.errors).toEqual([]);
  });
});

describe('Export panel', () => {
  it('"Export selection…" downloads the eight CSV files of the range (GPU and CPU side) with their row counts', async () => {
    await openTab('export');
    await page().fill('[data-testid="export-from"]', String(step1.t0 / 1e6));
    await page().fill('[data-testid="export-to"]', String(step1.t1 / 1e6));
    const downloads: Download[] = [];
    page().on('download', (d) => downloads.push(d));
    await page().click('[data-testid="export-csv"]');
    await page().getByTestId('export-files').waitFor({ timeout: 15_000 });
    await page().waitForFunction(
      () => /Downloaded 8 file/.test(document.querySelector('[data-testid="export-message"]')?.textContent ?? ''),
      undefined,
      { timeout: 15_000 },
    );
    for (let i = 0; i < 50 && downloads.length < 8; i++) await page().waitForTimeout(100);
    const tag = `${step1.t0 / 1e6}-${step1.t1 / 1e6}ms`;
    expect(downloads.map((d) => d.suggestedFilename()).sort()).toEqual([
      `cuda_api_${tag}.csv`,
      `kernel_memcpy_pairs_${tag}.csv`,
      `kernels_${tag}.csv`,
      `memcpy_${tag}.csv`,
      `memcpy_e2e_${tag}.csv`,
      `nvtx_${tag}.csv`,
      `osrt_${tag}.csv`,
      'trimmed.csv',
    ]);
    const shown = await page()
      .getByTestId('export-files')
      .evaluate((t) =>
        Object.fromEntries(
          [...t.querySelectorAll('tbody tr')].map((tr) => [tr.children[0].textContent, Number(tr.children[1].textContent)]),
        ),
      );
    for (const d of downloads) {
      const text = readFileSync((await d.path())!, 'utf8');
      const lines = text.trimEnd().split('\n').length;
      expect(shown[d.suggestedFilename()]).toBe(lines - 1);
    }
    // The copies file holds every copy overlapping the window, as sqlite3 counts them.
    const copies = Number(sql(`SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE start <= ${step1.t1} AND end >= ${step1.t0}`));
    expect(shown[`memcpy_${tag}.csv`]).toBe(copies);
    const calls = Number(sql(`SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE start <= ${step1.t1} AND end >= ${step1.t0}`));
    expect(shown[`cuda_api_${tag}.csv`]).toBe(calls);
    expect(browser.errors).toEqual([]);
  });

  it('"Export trace JSON…" downloads Chrome Trace JSON of the typed window, kernels and flows as sqlite3 counts them', async () => {
    await openTab('export');
    await page().fill('[data-testid="export-from"]', String(step1.t0 / 1e6));
    await page().fill('[data-testid="export-to"]', String(step1.t1 / 1e6));
    const [download] = await Promise.all([
      page().waitForEvent('download', { timeout: 20_000 }),
      page().click('[data-testid="export-trace"]'),
    ]);
    expect(download.suggestedFilename()).toBe(`streams_${step1.t0 / 1e6}-${step1.t1 / 1e6}ms.trace.json`);
    const trace = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { traceEvents: { ph: string; cat?: string }[] };
    const kernels = Number(sql(`SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE start <= ${step1.t1} AND end >= ${step1.t0}`));
    expect(trace.traceEvents.filter((e) => e.cat === 'kernel' && (e.ph === 'X' || e.ph === 'b')).length).toBe(kernels);
    expect(trace.traceEvents.some((e) => e.ph === 's')).toBe(true);
    await page().waitForFunction(
      (n) => (document.querySelector('[data-testid="export-message"]')?.textContent ?? '').includes(`${n} kernels`),
      kernels,
      { timeout: 15_000 },
    );
    expect(browser.errors).toEqual([]);
  });
});

describe('Table exports from the panels (downloads under serve)', () => {
  async function download(testId: string): Promise<{ name: string; text: string }> {
    const [d] = await Promise.all([page().waitForEvent('download', { timeout: 20_000 }), page().click(`[data-testid="${testId}"]`)]);
    return { name: d.suggestedFilename(), text: readFileSync((await d.path())!, 'utf8') };
  }

  it('Stats: the CSV is what `nsys-viewer stats --format csv` prints (and NVIDIA’s file), the JSON the same rows', async () => {
    await openTab('stats');
    await page().click('[data-testid="stats-scope-trace"]');
    await page().selectOption('[data-testid="stats-report"]', 'cuda_gpu_kern_sum');
    await page().getByTestId('stats-table').locator('th', { hasText: 'Instances' }).waitFor({ timeout: 15_000 });
    const csv = await download('stats-export-csv');
    expect(csv.name).toBe('streams_cuda_gpu_kern_sum.csv');
    const cli = await runCli('stats', STREAMS, '--report', 'cuda_gpu_kern_sum', '--format', 'csv');
    expect(cli.code).toBe(0);
    expect(csv.text).toBe(cli.out);
    expect(csv.text).toBe(readFileSync(resolve(__dirname, '../fixtures/nsys-stats-2025.3/streams_cuda_gpu_kern_sum.csv'), 'utf8'));
    const json = await download('stats-export-json');
    expect(json.name).toBe('streams_cuda_gpu_kern_sum.json');
    const doc = JSON.parse(json.text) as { report: string; rows: Record<string, number | string>[] };
    expect(doc.report).toBe('cuda_gpu_kern_sum');
    expect(doc.rows.reduce((s, r) => s + Number(r.Instances), 0)).toBe(Number(sql('SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL')));
    expect(browser.errors).toEqual([]);
  });

  it('Summary: each table as CSV and JSON under summary --json’s field names; the whole summary is summary --json', async () => {
    await openTab('summary');
    await page().getByTestId('summary-checks').waitFor({ timeout: 15_000 });
    const phases = await download('summary-export-phases-json');
    expect(phases.name).toBe('streams_summary_phases.json');
    const rows = JSON.parse(phases.text) as { name: string; total_ns: number; ranges: number }[];
    const nvtx = sql('SELECT count(*), sum(end - start) FROM NVTX_EVENTS WHERE eventType = 59').split('|').map(Number);
    expect(rows.reduce((s, r) => s + r.ranges, 0)).toBe(nvtx[0]);
    expect(rows.reduce((s, r) => s + r.total_ns, 0)).toBe(nvtx[1]);
    const kernels = await download('summary-export-top_kernels-csv');
    expect(kernels.name).toBe('streams_summary_top_kernels.csv');
    const lines = kernels.text.trimEnd().split('\n');
    expect(lines[0]).toBe('name,total_s,total_ns,count');
    const top = buildSummary(model, { idleGapThresholdNs: 1e6 }).gpu.kernels.top;
    expect(lines.length - 1).toBe(top.length);
    const all = await download('summary-export-all-json');
    expect(all.name).toBe('streams_summary.json');
    const cli = JSON.parse((await runCli('summary', STREAMS, '--json')).out) as unknown;
    expect(JSON.parse(all.text)).toEqual(cli);
    expect(browser.errors).toEqual([]);
  });

  it('Steps: the CSV and JSON are what `nsys-viewer steps --csv` / `--json` print', async () => {
    await openTab('steps');
    await page().getByTestId('steps-table').waitFor({ timeout: 20_000 });
    const csv = await download('steps-export-csv');
    expect(csv.name).toBe('streams_steps.csv');
    expect(csv.text).toBe((await runCli('steps', STREAMS, '--csv')).out);
    const json = await download('steps-export-json');
    expect(json.text).toBe((await runCli('steps', STREAMS, '--json')).out);
    expect(browser.errors).toEqual([]);
  });
});
