// CPU samples of defaults_streams (nsys 2025.3.1 run with its default options, H200) on their
// thread's row in headless Chromium: hovering a tick shows the sample's call stack. From sqlite3:
// COMPOSITE_EVENTS id 2312 is a sample of thread 701 (pid 701) at 657393871 ns, 32 frames, leaf
// _Py_hashtable_get then PyUnicode_InternFromString (python3.12); the thread's next sample is 2 ms later.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFile, tracePath } from '../helpers/paths';
import { type Browser, type ViewerSession, serveTraceInBrowser, waitIdle } from './browser';

const FILE = tracePath('shared:defaults_streams.sqlite');
const SAMPLE_NS = 657393871;
const TRACK = 'cpu/701/701/sample';

let session: ViewerSession;
let browser: Browser;
beforeAll(async () => {
  session = await serveTraceInBrowser(requireFile(FILE));
  ({ browser } = session);
}, 180_000);

afterAll(() => session?.close());

describe('CPU samples on the timeline (defaults_streams)', () => {
  it('has a samples row and a thread-state row for the main thread', async () => {
    const rows = (await browser.page.evaluate(() => window.__nsysAutomation!.state())).rows.map((r) => `${r.key}|${r.label}`);
    expect(rows).toContain(`lane:${TRACK}|CPU samples`);
    expect(rows).toContain('lane:cpu/701/701/sched|Thread state');
  });

  it('shows the call stack of a hovered sample in the tooltip', async () => {
    await browser.page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b), [SAMPLE_NS - 100_000, SAMPLE_NS + 100_000] as const);
    await waitIdle(browser.page);
    const x = await browser.page.evaluate((t) => window.__nsysAutomation!.timeToX(t), SAMPLE_NS);
    const y = await browser.page.evaluate((id) => window.__nsysAutomation!.trackY(id), TRACK);
    expect(y).not.toBeNull();
    await browser.page.mouse.move(x, y!);
    const tip = browser.page.getByTestId('tooltip');
    await tip.waitFor({ timeout: 5000 });
    const text = (await tip.textContent()) ?? '';
    expect(text).toContain('_Py_hashtable_get');
    expect(text).toContain('Call stack');
    expect(text).toContain('PyUnicode_InternFromString (python3.12)');
    expect(browser.errors).toEqual([]);
  });
});
