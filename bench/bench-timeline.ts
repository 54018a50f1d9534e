// Timeline frame-time bench: the 1.5M-event many_kernels trace (500,001 kernels, 1,000,017 CUDA API
// calls) served by `serve`'s startServer, drawn by the real renderer in headless Chromium on
// SwiftShader WebGL. Prints time to first frame and frame time p50/p95 while panning and zooming
// at fit-all, 10×, 1000× and 100000×. Frame time = work inside the frame callback including
// gl.finish() (so SwiftShader's rasterisation counts), plus the requestAnimationFrame interval.
// Goal: p95 ≤ 16 ms, first frame ≤ 1.0 s (issue 15). BENCH_FIRST_FRAME_ONLY=1 stops after the
// file-chosen → first-frame lines; each open also prints where its ms went (open phases, page marks,
// API calls, serve's time answering them) unless BENCH_BREAKDOWN=0; BENCH_PROFILE=FILE writes the
// page's CPU profile of the GPU-first open. A trace path as the first argument (e.g. the ×6 file).
//
//   npm run bench:timeline            (uses /tmp/mk/many_kernels.sqlite, or unpacks
//                                      ../shared/traces/many_kernels.sqlite.xz into a temp folder)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { openTraceInWorker } from '../src/core/io/open-in-worker';
import { openTrace } from '../src/core/io/open-trace';
import type { Page } from 'playwright-core';
import type { LoadingState } from '../src/core/service/types';
import { startServer, type ServeOpen } from '../src/server/server';
import { ensureRendererBuilt, openBrowser, REPO, waitIdle } from '../tests/e2e/browser';

const PREUNPACKED = '/tmp/mk/many_kernels.sqlite';
const XZ = resolve(REPO, '../shared/traces/many_kernels.sqlite.xz');
const FLOOR_TRACE = resolve(REPO, '../shared/traces/cuda_graphs.sqlite');

function tracePath(): { path: string; cleanup: () => void } {
  if (process.argv[2]) return { path: process.argv[2], cleanup: () => {} };
  if (existsSync(PREUNPACKED)) return { path: PREUNPACKED, cleanup: () => {} };
  if (!existsSync(XZ)) throw new Error(`Neither ${PREUNPACKED} nor ${XZ} exists: pass a trace path as the first argument.`);
  const dir = mkdtempSync(join(tmpdir(), 'nsys-bench-'));
  const path = join(dir, 'many_kernels.sqlite');
  console.log(`unpacking ${XZ} → ${path}`);
  execFileSync('sh', ['-c', `xz -dc "${XZ}" > "${path}"`]);
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f1 = (x: number) => x.toFixed(1).padStart(6);

async function main(): Promise<void> {
  // Measure the parse, not a read of the model cache (a built bundle caches models by default): the
  // second open below would otherwise read what the first one stored.
  process.env.NSYS_VIEWER_MODEL_CACHE ??= '0';
  ensureRendererBuilt();
  const { path, cleanup } = tracePath();
  // BENCH_VIEWPORT=WxH changes the page size (default 1400x900) to see how frames scale with pixels.
  const [vw, vh] = (process.env.BENCH_VIEWPORT ?? '1400x900').split('x').map(Number);
  // Same run, same machine load: the open as it was (the page waits for the whole model), then
  // progressive (GPU rows first), as serve and the desktop app now open traces.
  // BENCH_WARM_ONLY=1: only the warm-window open (to look at its breakdown alone).
  if (process.env.BENCH_WARM_ONLY === '1') {
    await fileChosenToFirstFrame(path, vw, vh, true, undefined, 'warm');
    return cleanup();
  }
  await fileChosenToFirstFrame(path, vw, vh, false);
  const gpuFirstMs = await fileChosenToFirstFrame(path, vw, vh, true);
  await fileChosenToFirstFrame(path, vw, vh, true, undefined, 'warm');
  // The page's own floor in the same run: the same path on a small real trace (cuda_graphs: 1,670 kernels).
  if (existsSync(FLOOR_TRACE)) {
    const floorMs = await fileChosenToFirstFrame(
      FLOOR_TRACE,
      vw,
      vh,
      true,
      `page floor, same path on ${basename(FLOOR_TRACE)} (${(statSync(FLOOR_TRACE).size / 1024).toFixed(0)} KiB)`,
    );
    console.log(
      `  this trace's first frame is ${(gpuFirstMs - floorMs).toFixed(0)} ms above the page floor (${(gpuFirstMs / floorMs).toFixed(2)}×)`,
    );
  }
  if (process.env.BENCH_FIRST_FRAME_ONLY === '1') return cleanup();

  const tOpen = performance.now();
  const { model, name } = await openTrace(path);
  const openMs = performance.now() - tOpen;
  console.log(
    `model: ${name}: ${model.kernels.count} kernels, ${model.api.count} API calls, ${model.nvtx.count} NVTX, loaded in ${(openMs / 1000).toFixed(2)} s`,
  );
  const server = await startServer({ traces: [{ model, name }] });
  const browser = await openBrowser(vw, vh);
  console.log(`page ${vw}×${vh} px, headless Chromium ${browser.context.browser()?.version() ?? ''} on SwiftShader WebGL`);
  const { page } = browser;
  try {
    const tGoto = performance.now();
    await page.goto(server.url);
    await page.waitForFunction(
      () => window.__nsysAutomation?.ready() === true && window.__nsysAutomation.state().firstFrameAt > 0,
      undefined,
      { timeout: 60_000, polling: 10 },
    );
    const wallFirst = performance.now() - tGoto;
    const firstFrameAt = await page.evaluate(() => window.__nsysAutomation!.state().firstFrameAt);
    console.log(
      `time to first frame: ${firstFrameAt.toFixed(0)} ms after navigation start (page clock), ${wallFirst.toFixed(0)} ms wall from goto()`,
    );
    const marks = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const m = window.__nsysAutomation!.state().marks;
      return { domContentLoaded: nav.domContentLoadedEventEnd, initStart: m.initStart ?? NaN, pixiReady: m.pixiReady ?? NaN };
    });
    console.log(
      `  start-up: DOMContentLoaded ${marks.domContentLoaded.toFixed(0)} ms, timeline init ${marks.initStart.toFixed(0)} ms, WebGL ready ${marks.pixiReady.toFixed(0)} ms, first frame with data ${firstFrameAt.toFixed(0)} ms`,
    );

    // Baseline: requestAnimationFrame cadence of this headless Chromium when nothing is redrawn.
    const idle = await page.evaluate(async () => {
      const raf = () => new Promise<number>((res) => requestAnimationFrame((now) => res(now)));
      const out: number[] = [];
      let last = await raf();
      for (let i = 0; i < 60; i++) {
        const now = await raf();
        out.push(now - last);
        last = now;
      }
      return out;
    });
    console.log(`  idle rAF interval (no redraw): p50 ${pct(idle, 50).toFixed(1)} ms, p95 ${pct(idle, 95).toFixed(1)} ms`);

    const t0 = model.meta.firstEventNs;
    const t1 = model.meta.lastEventNs;
    // The middle of the run: kernels back to back at every zoom.
    const mid = (t0 + t1) / 2;
    const full = t1 - t0;
    console.log('\nzoom      phase   frames  frame p50  frame p95  rAF p50  rAF p95  slices  fetches');
    let worstP95 = 0;
    for (const zoom of [1, 10, 1000, 100000]) {
      const span = full / zoom;
      await page.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b), [mid - span / 2, mid + span / 2] as const);
      await waitIdle(page, 30_000);
      for (const phase of ['redraw', 'pan', 'zoom'] as const) {
        const r = await page.evaluate(
          async ([ph]) => {
            const t = window.__nsysAutomation!;
            t.syncGpu(true);
            const raf = () => new Promise<number>((res) => requestAnimationFrame((now) => res(now)));
            await raf();
            t.resetFrames();
            const fetches0 = t.state().fetches;
            const intervals: number[] = [];
            let last = await raf();
            const steps = ph === 'zoom' ? 60 : 90;
            for (let i = 0; i < steps; i++) {
              if (ph === 'pan') t.panPx(i < steps / 2 ? 24 : -24);
              else if (ph === 'zoom') t.zoom(i < steps / 2 ? 1.06 : 1 / 1.06);
              else t.redraw();
              const now = await raf();
              intervals.push(now - last);
              last = now;
            }
            t.syncGpu(false);
            // Let a fetch started by the last step land, so it is counted.
            while (t.state().fetching) await raf();
            const st = t.state();
            return { frames: t.frameMs(), intervals, slices: st.slicesLoaded, fetches: st.fetches - fetches0, lastFetchMs: st.lastFetchMs };
          },
          [phase] as const,
        );
        const p95 = pct(r.frames, 95);
        worstP95 = Math.max(worstP95, p95);
        console.log(
          `${String(zoom).padStart(6)}×  ${phase.padEnd(6)}  ${String(r.frames.length).padStart(6)}  ${f1(pct(r.frames, 50))} ms ${f1(p95)} ms ${f1(pct(r.intervals, 50))} ms ${f1(pct(r.intervals, 95))} ms ${String(r.slices).padStart(7)}  ${String(r.fetches).padStart(7)} (last ${r.lastFetchMs.toFixed(0)} ms)`,
        );
      }
    }
    const stats = await page.evaluate(() => window.__nsysAutomation!.state());
    console.log(
      `\nworst frame p95: ${worstP95.toFixed(1)} ms (goal ≤ 16 ms); first frame ${firstFrameAt.toFixed(0)} ms (goal ≤ 1500 ms); frames drawn ${stats.framesDrawn}`,
    );
    if (browser.errors.length) console.log(`page errors: ${browser.errors.join(' | ')}`);
  } finally {
    await browser.close();
    await server.close();
    cleanup();
  }
}

/**
 * "First frame after the file is chosen", the way the app opens a file: the viewer (browser) is
 * already running; at t=0 the trace starts opening on a worker thread and the page starts loading,
 * concurrently (as `serve` and the desktop window do); the clock stops when the first frame with
 * data is drawn.
 */
/**
 * File chosen → first frame (ms). `floor` labels a run on a tiny trace: its first frame is what the
 * page itself costs here (HTML, scripts, Chromium's GPU process and SwiftShader WebGL set-up), the
 * part no reading of the trace can shorten; it is printed alone, without the breakdown.
 */
async function fileChosenToFirstFrame(
  path: string,
  vw: number,
  vh: number,
  gpuFirst: boolean,
  floor?: string,
  /**
   * 'warm': the window is already up when the file is chosen, as the desktop app's spare window is
   * (src/main/index.ts): the page has loaded, asked for its trace and set WebGL up while idle, and
   * only then (t=0) does the open start: the worker starts, reads the GPU rows, the page draws.
   * 'cold' (default): the page and the open start together at t=0, as `serve` and a new window do.
   */
  mode: 'cold' | 'warm' = 'cold',
): Promise<number> {
  const browser = await openBrowser(vw, vh);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    let tChosen = performance.now();
    let choose = () => {};
    const chosen = mode === 'warm' ? new Promise<void>((res) => (choose = res)) : Promise.resolve();
    let gpuModelMs = NaN;
    let modelReadyMs = NaN;
    let state: LoadingState = { phase: 'start', fraction: 0 };
    const phases: { phase: string; at: number }[] = [];
    // Off this thread, as `serve` and the desktop app open traces: the page is served meanwhile,
    // and the GPU rows are shown as soon as they are read (issue 15), the CPU rows after.
    const open: ServeOpen = {
      name: basename(path),
      progress: () => state,
      cancel: () => {},
      buildsGpuBusy: gpuFirst,
      done: chosen
        .then(() =>
          openTraceInWorker(path, resolve(REPO, 'out/cli/open-worker.cjs'), {
            onProgress: (p) => {
              if (p.phase !== state.phase) phases.push({ phase: p.phase, at: performance.now() - tChosen });
              state = { phase: p.phase, fraction: p.fraction };
            },
            onGpuModel: gpuFirst
              ? (m) => {
                  gpuModelMs = performance.now() - tChosen;
                  open.onGpuModel?.(m);
                }
              : undefined,
            onGpuBusy: gpuFirst
              ? (series) => {
                  phases.push({ phase: 'GPU busy series handed to serve', at: performance.now() - tChosen });
                  open.onGpuBusy?.(series);
                }
              : undefined,
          }),
        )
        .then(({ model, name }) => {
          modelReadyMs = performance.now() - tChosen;
          return { model, name };
        }),
    };
    server = await startServer({ traces: [], opens: [open] });
    const serverCalls = timeServiceCalls(server.service, () => tChosen);
    // BENCH_PROFILE=FILE: the page's CPU profile of the GPU-first open (open it in Chromium's DevTools).
    // BENCH_PROFILE_MODE=warm profiles the warm-window open instead of the cold one.
    const profileTo =
      gpuFirst && floor === undefined && mode === (process.env.BENCH_PROFILE_MODE ?? 'cold') ? process.env.BENCH_PROFILE : undefined;
    const cdp = profileTo ? await browser.context.newCDPSession(browser.page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    // The first animation frame after the first frame with slices was drawn: the page's main thread
    // was free again and the compositor took the frame (what the user sees), page clock.
    await browser.page.addInitScript(() => {
      const w = window as unknown as { __nsysFrameSeenAt?: number };
      const tick = () => {
        if ((window.__nsysAutomation?.state().firstFrameAt ?? 0) > 0) w.__nsysFrameSeenAt = performance.now();
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const gotoAt = performance.now();
    await browser.page.goto(server.url);
    if (mode === 'warm') {
      // The window idles with WebGL up (the prewarm's mark), then the file is chosen.
      await browser.page.waitForFunction(() => performance.getEntriesByName('nsys:webgl-prewarmed').length > 0, undefined, {
        timeout: 60_000,
        polling: 20,
      });
      await new Promise((res) => setTimeout(res, 500));
      const t = performance.now();
      const warmedAfter = t - tChosen;
      tChosen = t;
      choose();
      phases.push({ phase: `file chosen, ${warmedAfter.toFixed(0)} ms after the window started loading`, at: 0 });
    }
    const tGoto = gotoAt - tChosen;
    await browser.page.waitForFunction(
      () => ((window as unknown as { __nsysFrameSeenAt?: number }).__nsysFrameSeenAt ?? 0) > 0,
      undefined,
      { timeout: 60_000, polling: 10 },
    );
    // File chosen → first frame: the first animation frame after the one that drew slices (page
    // clock, moved onto this one); "settled" (no fetch in flight: labels, the loading strip's polls)
    // comes later and is printed beside it.
    const seen = await browser.page.evaluate(() => ({
      origin: performance.timeOrigin,
      at: (window as unknown as { __nsysFrameSeenAt: number }).__nsysFrameSeenAt,
    }));
    const total = seen.origin + seen.at - (performance.timeOrigin + tChosen);
    await browser.page.waitForFunction(() => window.__nsysAutomation?.ready() === true, undefined, { timeout: 60_000, polling: 10 });
    const settled = performance.now() - tChosen;
    if (cdp && profileTo) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(profileTo, JSON.stringify(profile));
      console.log(`  page CPU profile written to ${profileTo}`);
    }
    const m = await browser.page.evaluate(() => window.__nsysAutomation!.state().marks);
    const pixiReady = m.pixiReady ?? NaN;
    const ff = await browser.page.evaluate(() => window.__nsysAutomation!.state().firstFrameAt);
    if (floor !== undefined) {
      console.log(
        `${floor}: ${total.toFixed(0)} ms (GPU rows ready at ${gpuModelMs.toFixed(0)} ms, page WebGL ready at ${pixiReady.toFixed(0)} ms of its own clock)`,
      );
      await open.done;
      return total;
    }
    console.log(
      mode === 'warm'
        ? `file chosen in a window already up (the desktop's spare window) → first frame, GPU rows first: ${total.toFixed(0)} ms (GPU rows ready at ${gpuModelMs.toFixed(0)} ms, view settled at ${settled.toFixed(0)} ms)   (goals, issue 15: ≤ 1000 ms at 1.5M events, ≤ 3000 ms at 9M)`
        : gpuFirst
          ? `file chosen → first frame with the page loading at the same time (serve, a new window), GPU rows first: ${total.toFixed(0)} ms (GPU rows ready at ${gpuModelMs.toFixed(0)} ms, page WebGL ready at ${pixiReady.toFixed(0)} ms of its own clock, view settled at ${settled.toFixed(0)} ms)`
          : `file chosen → first frame, whole model first (as before issue 15, same run): ${total.toFixed(0)} ms (page WebGL ready at ${pixiReady.toFixed(0)} ms of its own clock, view settled at ${settled.toFixed(0)} ms)`,
    );
    console.log(
      `  page clock: trace info in (timeline init) ${(m.initStart ?? NaN).toFixed(0)} ms, timeline ready ${pixiReady.toFixed(0)} ms, first slices in ${(m.slicesIn ?? NaN).toFixed(0)} ms, first frame ${ff.toFixed(0)} ms`,
    );
    if (process.env.BENCH_BREAKDOWN !== '0')
      await printBreakdown(browser.page, tChosen, tGoto, total, phases, gpuFirst ? gpuModelMs : modelReadyMs, serverCalls);
    // The CPU rows land later; the row list grows when the viewer sees them.
    await open.done;
    await browser.page.waitForFunction(() => document.querySelector('[data-testid="rows-loading"]') === null, undefined, {
      timeout: 60_000,
      polling: 20,
    });
    const allRows = performance.now() - tChosen;
    console.log(`  whole model at ${modelReadyMs.toFixed(0)} ms; CPU rows on screen at ${allRows.toFixed(0)} ms`);
    return total;
  } finally {
    await browser.close();
    await server?.close();
  }
}

interface Span {
  what: string;
  start: number;
  end: number;
}

/** Wraps the service's answering methods to record when `serve`'s thread spent time on them (ms since file chosen). */
function timeServiceCalls(service: object, clock: () => number): Span[] {
  const spans: Span[] = [];
  const s = service as Record<string, unknown>;
  for (const m of ['getTraceInfo', 'getSlices', 'getUtilisation', 'getBusyProfile', 'getGpuBusy', 'getStrings']) {
    const fn = s[m];
    if (typeof fn !== 'function') continue;
    s[m] = (...args: unknown[]): unknown => {
      const start = performance.now() - clock();
      const out: unknown = Reflect.apply(fn, service, args);
      spans.push({ what: m, start, end: performance.now() - clock() });
      return out;
    };
  }
  return spans;
}

/**
 * Where the ms between "file chosen" and the first frame went, on one clock (ms since file chosen):
 * the open's phases (worker), the page's navigation, script and API calls (Resource Timing: request
 * sent → answer read), the host's time answering them, and the timeline's own marks.
 */
async function printBreakdown(
  page: Page,
  tChosen: number,
  tGoto: number,
  total: number,
  phases: { phase: string; at: number }[],
  modelShownMs: number,
  serverCalls: Span[],
): Promise<void> {
  const p = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const res = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => ({
      name: new URL(r.name).pathname,
      start: r.startTime,
      end: r.responseEnd,
    }));
    const marks = performance.getEntriesByType('mark').map((m) => ({ name: m.name, at: m.startTime }));
    const st = window.__nsysAutomation!.state();
    return {
      origin: performance.timeOrigin,
      responseEnd: nav.responseEnd,
      dcl: nav.domContentLoadedEventEnd,
      res,
      marks,
      tl: st.marks,
      firstFrameAt: st.firstFrameAt,
    };
  });
  // Page clock → ms since file chosen (both clocks are wall-clock based on one machine).
  const off = p.origin - (performance.timeOrigin + tChosen);
  const at = (x: number) => (x + off).toFixed(0).padStart(6);
  const lines: [number, string][] = [];
  for (const ph of phases) lines.push([ph.at, ph.phase.includes(' ') ? `open: ${ph.phase}` : `open: phase ${ph.phase}`]);
  lines.push([modelShownMs, 'open: model handed to serve (GPU-first or whole)']);
  lines.push([tGoto, 'bench: page.goto()']);
  lines.push([p.responseEnd + off, 'page: HTML in']);
  for (const r of p.res) {
    if (r.name.startsWith('/api/getOpenProgress')) continue;
    lines.push([r.start + off, `page: ${r.name} sent (answered ${at(r.end)}, ${(r.end - r.start).toFixed(0)} ms)`]);
  }
  lines.push([p.dcl + off, 'page: DOMContentLoaded']);
  for (const m of p.marks) lines.push([m.at + off, `page: ${m.name}`]);
  for (const [k, v] of Object.entries(p.tl)) lines.push([v + off, `timeline: ${k}`]);
  lines.push([p.firstFrameAt + off, 'timeline: first frame with slices']);
  for (const c of serverCalls)
    if (c.start <= total) lines.push([c.start, `serve: ${c.what} ${(c.end - c.start).toFixed(0)} ms on serve's thread`]);
  lines.sort((a, b) => a[0] - b[0]);
  console.log('  where the ms went (ms since file chosen):');
  for (const [t, what] of lines) console.log(`    ${t.toFixed(0).padStart(6)}  ${what}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
