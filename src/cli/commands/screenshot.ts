import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { openTraceForCli } from '../open-for-cli';
import { findRendererDir, startServer } from '../../server/server';
import { CliError, flagNumber, flagString, requireTrace, requireWindowAndOut, type Command } from '../command';
import { boolFlag, refuseOverwrite, writeOutput } from './export-csv';

/**
 * `nsys-viewer screenshot`: a PNG of a window of the timeline for reports and chats, drawn by the
 * real viewer: the `serve` host in-process, headless Chromium (SwiftShader WebGL, as in the browser
 * tests) on a fresh profile, the view set through the page's automation API, and the picture composed
 * by src/renderer/screenshot (ruler, the chosen rows in the timeline's order with their full names,
 * a legend of the colours drawn, a caption with trace, window and GPU).
 */
const ROW_NAMES = ['kernels', 'memcpy', 'memset', 'api', 'nvtx', 'osrt', 'samples', 'sched', 'memory'];
const ROWS_HELP = `row kinds (${ROW_NAMES.join(', ')}), all, or row names to match (a substring, or a pattern with * and ?, any case: "MainThread", "GPU 0 · S7*")`;
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ].find((p) => existsSync(p));
}

interface Shot {
  pngBase64: string;
  view: { t0: number; t1: number };
  width: number;
  height: number;
  caption: string;
  rows: { trackId: string }[];
  missing: string[];
  unmatched: string[];
}

export const screenshotCommand: Command = {
  name: 'screenshot',
  summary: 'PNG of a window of the timeline (chosen rows, legend, caption), drawn by the viewer in headless Chromium',
  usage:
    'nsys-viewer screenshot TRACE --from MS --to MS --out FILE.png [--rows kernels,memcpy|all|NAME-PATTERN,...] [--width 1600] [--force]',
  async run(args, io) {
    const force = boolFlag(args, 'force');
    const path = requireTrace(args, this.usage);
    const { fromMs, toMs, out: outArg } = requireWindowAndOut(args, this.usage, 'FILE.png');
    const width = flagNumber(args, 'width') ?? 1600;
    if (!Number.isInteger(width) || width < 400 || width > 8000)
      throw new CliError(`--width must be an integer number of pixels, 400..8000 (got ${width}).`, 2);
    // Row kinds, `all`, or patterns over row names ("MainThread", "GPU 0 · S7*"): the page sorts them out.
    const rows = (flagString(args, 'rows') ?? 'kernels,memcpy')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    if (rows.length === 0) throw new CliError(`--rows takes a comma list of ${ROWS_HELP} (got "${flagString(args, 'rows')}").`, 2);
    const out = resolve(outArg);
    if (!/\.png$/i.test(out)) throw new CliError(`--out must name a .png file (got ${outArg}).`, 2);
    refuseOverwrite([out], force);
    if (!existsSync(dirname(out))) throw new CliError(`Folder ${dirname(out)} does not exist: create it or choose another --out.`, 2);

    const chromiumPath = findChromium();
    if (!chromiumPath) {
      throw new CliError(
        process.env.CHROMIUM_PATH
          ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist: point it at a Chromium or Chrome executable.`
          : 'Chromium not found: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to a Chromium/Chrome executable.',
      );
    }
    if (!findRendererDir()) throw new CliError('The viewer is not built (no out/renderer): run `npm run build` first.');
    let chromium: typeof import('playwright-core').chromium;
    try {
      ({ chromium } = await import('playwright-core'));
    } catch {
      throw new CliError('playwright-core is not installed: run `npm install playwright-core` (it drives Chromium).');
    }

    const { model, name } = await openTraceForCli(path, args, io);
    const t0 = Math.round(fromMs * 1e6);
    const t1 = Math.round(toMs * 1e6);
    const { firstEventNs, lastEventNs } = model.meta;
    if (t1 <= firstEventNs || t0 >= lastEventNs) {
      throw new CliError(
        `The window ${fromMs}–${toMs} ms holds no events: the trace's events span ${(firstEventNs / 1e6).toFixed(3)}–${(lastEventNs / 1e6).toFixed(3)} ms since session start.`,
        2,
      );
    }

    const server = await startServer({ traces: [{ model, name }] });
    const profile = mkdtempSync(join(tmpdir(), 'nsys-viewer-shot-'));
    let context: import('playwright-core').BrowserContext | undefined;
    // A signal can come while Chromium is still starting (its profile already has files, the context
    // does not exist yet): close waits for the launch, else Chromium writes into a removed profile.
    let launching: Promise<import('playwright-core').BrowserContext> | undefined;
    // Ctrl-C, `timeout` (SIGTERM) or a closed terminal: close Chromium, then remove its profile (it
    // was left in /tmp). Playwright's own signal handlers are off so that they cannot exit first.
    const removeProfile = () => {
      try {
        // Retries: a Chromium that is still closing can add files while the folder is removed (ENOTEMPTY).
        rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      } catch {
        // Best effort on the way out; the exit must still happen.
      }
    };
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      stopping = true;
      const exit = () => {
        removeProfile();
        process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGHUP' ? 129 : 143);
      };
      setTimeout(exit, 5000).unref();
      const started = context ? Promise.resolve(context) : (launching ?? Promise.resolve(undefined));
      void started
        .then((c) => c?.close())
        .catch(() => undefined)
        .finally(exit);
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const sig of signals) process.once(sig, onSignal);
    process.once('exit', removeProfile);
    try {
      // The row tree takes ~240 px beside the canvas; the exact width is fixed up after the first shot.
      let page = { width: width + 100, height: 900 };
      launching = chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        viewport: page,
        deviceScaleFactor: 1,
        args: CHROMIUM_ARGS,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      context = await launching;
      const tab = context.pages()[0] ?? (await context.newPage());
      const pageErrors: string[] = [];
      tab.on('pageerror', (e) => pageErrors.push(e.message));
      await tab.goto(server.url);
      const ready = async () => {
        try {
          await tab.waitForFunction(() => window.__nsysAutomation?.ready() === true, undefined, { timeout: 60_000, polling: 50 });
        } catch {
          throw new CliError(`The viewer did not start in Chromium${pageErrors.length ? `: ${pageErrors[0]}` : ''}.`);
        }
      };
      await ready();
      const shoot = async (): Promise<Shot> => {
        await tab.evaluate(([a, b]) => window.__nsysAutomation!.view(a, b, true), [t0, t1] as const);
        await ready();
        // Rows below the fold are scrolled in and stitched by the page: no need for a tall page.
        return tab.evaluate(([r, a, b]) => window.__nsysAutomation!.screenshot({ rows: r, window: { t0: a, t1: b } }), [
          rows,
          t0,
          t1,
        ] as const);
      };
      let shot = await shoot();
      if (shot.unmatched.length)
        throw new CliError(`--rows: no row matches ${shot.unmatched.map((u) => `"${u}"`).join(', ')}; give ${ROWS_HELP}.`, 2);
      // Resize once for the exact output width (the label column is as wide as the longest name).
      const next = { width: page.width + (width - shot.width), height: page.height };
      if (next.width !== page.width) {
        page = next;
        await tab.setViewportSize(page);
        shot = await shoot();
      }
      // Never a silently different picture: the caption and the pixels are of the window asked for.
      if (shot.view.t0 !== t0 || shot.view.t1 !== t1) {
        throw new CliError(
          `The viewer drew ${(shot.view.t0 / 1e6).toFixed(3)}–${(shot.view.t1 / 1e6).toFixed(3)} ms instead of the window asked for, ${fromMs}–${toMs} ms. Report this with the trace's name.`,
        );
      }
      if (shot.rows.length === 0) throw new CliError(`No ${rows.join('/')} rows in this trace: try --rows with other ${ROWS_HELP}.`, 2);
      const png = Buffer.from(shot.pngBase64, 'base64');
      writeOutput(out, png, force);
      io.out(
        `Wrote ${out}: ${shot.width}×${shot.height} px, ${shot.rows.length} lanes${shot.missing.length ? ` (${shot.missing.length} hidden in the timeline were left out)` : ''}\n  ${shot.caption}\n`,
      );
      return 0;
    } catch (e) {
      // Closing Chromium on a signal makes the work in flight fail (page.goto: ERR_ABORTED): that is
      // the signal's doing, not an error to print. The signal handler exits with 130/129/143.
      if (stopping) await new Promise<never>(() => undefined);
      throw e;
    } finally {
      for (const sig of signals) process.removeListener(sig, onSignal);
      await context?.close().catch(() => undefined);
      removeProfile();
      process.removeListener('exit', removeProfile);
      await server.close();
    }
  },
};
