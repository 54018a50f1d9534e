// API → GPU direction of the flow arrows on the real cuda_graphs trace (nsys 2025.3, H100): one
// cudaGraphLaunch owns the 16 kernels of the graph (same correlationId), so selecting the call draws
// 16 arrows, and J jumps to the first kernel.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { serveTraceInBrowser, waitIdle, type Browser, type ViewerSession } from './browser';

let session: ViewerSession;
let browser: Browser;
let apiTrack = '';

beforeAll(async () => {
  session = await serveTraceInBrowser(resolve(__dirname, '../fixtures/nsys-2025.3/cuda_graphs.sqlite'));
  browser = session.browser;
  apiTrack = session.model.tracks.find((t) => t.lane === 'cuda-api')!.id;
}, 180_000);

afterAll(() => session?.close());

it('draws one arrow per kernel launched by a cudaGraphLaunch and jumps to the first', async () => {
  // sqlite3: first cudaGraphLaunch 2734815394..2734888267 (corr 3913) owns 16 kernels on stream 7,
  // 2734894723..2734963844
  const { page } = browser;
  await page.evaluate(() => window.__nsysAutomation!.view(2734800000, 2734980000));
  await waitIdle(page);
  const x = await page.evaluate(() => window.__nsysAutomation!.timeToX((2734815394 + 2734888267) / 2));
  const y = await page.evaluate((id) => window.__nsysAutomation!.trackY(id), apiTrack);
  await page.mouse.click(x, y!);
  await page.waitForFunction(() => window.__nsysAutomation!.state().flows.length > 0, undefined, { timeout: 5000 });
  const st = await page.evaluate(() => window.__nsysAutomation!.state());
  expect(st.selected).toMatchObject({ lane: 'cuda-api', partners: 16 });
  expect(st.flows).toHaveLength(16);
  const x0 = await page.evaluate(() => window.__nsysAutomation!.timeToX(2734815394));
  for (const f of st.flows) {
    expect(f.from.x).toBeCloseTo(x0, 0); // every arrow leaves the API call
    expect(f.to.y).toBeLessThan(f.from.y); // and points up to the GPU row
  }
  const details = (await page.getByTestId('details').textContent()) ?? '';
  expect(details).toContain('GPU work launched by this call');
  expect(details).toMatch(/cudaGraphLaunch/);

  await page.locator('[data-testid="timeline"] canvas').focus();
  await page.keyboard.press('j');
  // The call's 16 arrows stay drawn until the first frame after the kernel's details arrive: wait for
  // the arrows of the kernel itself, not just any arrows (that raced 1 run in 7).
  await page.waitForFunction(
    () => {
      const s = window.__nsysAutomation!.state();
      return s.selected?.lane === 'kernel' && s.flowsOf?.lane === 'kernel' && s.flowsOf.index === s.selected.index;
    },
    undefined,
    { timeout: 5000 },
  );
  const after = await page.evaluate(() => window.__nsysAutomation!.state());
  expect(after.selected?.partners).toBe(1); // the kernel links back to its one launch
  expect(after.flows).toHaveLength(1);
  expect(browser.errors).toEqual([]);
});
