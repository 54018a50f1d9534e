import { basename } from 'node:path';
import { CancelledError } from '../../core/db/db';
import { sniffTrace } from '../../core/io/sniff';
import { describeError } from '../../core/io/errors';
import type { LoadingState } from '../../core/service/types';
import { startServer, type FailedTrace, type RunningServer, type ServeOpen, type ServeTrace } from '../../server/server';
import { AlignError, parseAlignSpec } from '../../core/compare/align';
import { msTextToNs, windowFragment } from '../../core/util/window-fragment';
import { CliError, flagNumber, flagString, type Command, type ParsedArgs } from '../command';
import { openTraceForCli } from '../open-for-cli';
import { parseTraceArg } from './diff';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'open traces and serve the timeline to a local browser (127.0.0.1, token-guarded)',
  usage:
    'nsys-viewer serve TRACE [TRACE...] [--port N] [--from MS --to MS] [--compare [--align step:N|phase:NAME]]   (with --compare, A or B may be TRACE#PID)',
  async run(args, io) {
    if (args.positional.length === 0) throw new CliError(`Missing TRACE. Usage: ${this.usage}`, 2);
    // --compare: the page opens on the compare view of the first two traces (renderer ui/compare-view.tsx),
    // at --align's point; TRACE#PID picks a rank, and two ranks of one file are one served trace.
    const compare = args.flags.get('compare') === true;
    if (compare && args.positional.length !== 2)
      throw new CliError(`--compare takes two traces (got ${args.positional.length}). Usage: ${this.usage}`, 2);
    const align = flagString(args, 'align');
    if (align !== undefined && !compare) throw new CliError('--align goes with --compare.', 2);
    try {
      if (align !== undefined) parseAlignSpec(align);
    } catch (e) {
      if (e instanceof AlignError) throw new CliError(`--align: ${e.message}`, 2);
      throw e;
    }
    const sides = compare ? args.positional.map(parseTraceArg) : args.positional.map((path) => ({ path, pid: undefined }));
    const paths = [...new Set(sides.map((s) => s.path))];
    if (compare && paths.length === 1 && (sides[0].pid === undefined || sides[1].pid === undefined || sides[0].pid === sides[1].pid))
      throw new CliError(`--compare of one trace with itself needs two ranks: ${basename(paths[0])}#PID ${basename(paths[0])}#PID.`, 2);
    const fragment = windowFlags(args, this.usage);
    const port = flagNumber(args, 'port') ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new CliError(`--port must be an integer 0..65535 (got ${port}); 0 picks a free port.`, 2);
    // Cheap checks first (exists, readable, a SQLite or an nsys report), so a wrong path fails before
    // any URL is printed; the loads run on worker threads while the browser starts the page. There
    // is no size limit to check: exports over 2 GiB are read page by page (issue 15).
    for (const path of paths) sniffTrace(path);
    // One Ctrl-C handler for the whole run: it cancels loads still in flight and stops the server.
    let stopping = false;
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const onSignal = () => {
      // A second Ctrl-C (or SIGTERM after Ctrl-C) does not wait for loads to notice: nsys is killed
      // and its temp file removed by the exit hook (stopLiveNsys), and the workers end with us.
      if (stopping) process.exit(130);
      stopping = true;
      stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let server: RunningServer | undefined;
    try {
      // A trace that fails to open is reported (stderr, and in its tab) while the others are served.
      // The page shows each open's phase and can cancel it (ServeOpen), and draws the GPU rows first.
      const opens = paths.map((path): ServeOpen & { cancelledByPage: () => boolean } => {
        let state: LoadingState = { phase: 'start', fraction: 0 };
        let byPage = false;
        const open: ServeOpen & { cancelledByPage: () => boolean } = {
          name: basename(path),
          progress: () => state,
          cancel: () => (byPage = true),
          cancelledByPage: () => byPage,
          buildsGpuBusy: true,
          done: openTraceForCli(path, args, io, {
            inWorker: true,
            shouldCancel: () => stopping || byPage,
            onProgress: (p) => (state = { phase: p.phase, fraction: p.fraction, ...(p.message ? { message: p.message } : {}) }),
            onGpuModel: (m) => open.onGpuModel?.(m),
            onGpuBusy: (series) => open.onGpuBusy?.(series),
          }).then(
            ({ model, name }): ServeTrace | FailedTrace => ({ model, name }),
            (e: unknown): FailedTrace => {
              if (e instanceof CancelledError) throw e;
              return { name: basename(path), error: describeError(e) };
            },
          ),
        };
        return open;
      });
      // Cancel from the page drops that trace (the page returns to its open screen); Ctrl-C stops all.
      const pending = opens.map((o) =>
        o.done.catch((e: unknown) => {
          if (e instanceof CancelledError && o.cancelledByPage()) {
            io.err(`nsys-viewer serve: opening ${o.name} was cancelled from the page.\n`);
            return null;
          }
          throw e;
        }),
      );
      for (const p of pending) void p.catch(() => undefined); // awaited below
      try {
        server = await startServer({ traces: [], opens, port });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new CliError(`Port ${port} is in use: pick another with --port N, or --port 0 for a free one.`);
        throw e;
      }
      const query = new URLSearchParams();
      if (compare) {
        query.set('compare', '1');
        if (sides[0].pid !== undefined) query.set('pidA', String(sides[0].pid));
        if (sides[1].pid !== undefined) query.set('pidB', String(sides[1].pid));
        if (align !== undefined) query.set('align', align);
      }
      io.out(
        `Serving ${paths.map((p) => basename(p)).join(', ')} at\n  ${compare ? `${server.url}&${query.toString()}` : server.url}${fragment}\nOpen this URL in a browser (it carries the access token). Press Ctrl-C to stop.\n`,
      );
      // Only when every trace failed does the command end (with the first one's message); Ctrl-C
      // (even mid-load) is a clean stop.
      const settled = await Promise.race([Promise.all(pending), stopped]);
      const opened = settled?.filter((t): t is ServeTrace | FailedTrace => t !== null);
      const failed = opened ? opened.filter((t): t is FailedTrace => !('model' in t)) : [];
      for (const f of failed.slice(0, failed.length === opened?.length ? -1 : undefined)) io.err(`nsys-viewer serve: ${f.error}\n`);
      if (opened && failed.length && failed.length === opened.length) throw new CliError(failed[failed.length - 1].error);
      if (failed.length) io.out(`Serving the other ${opened!.length - failed.length}; the page shows each error in its tab.\n`);
      await stopped;
      return 0;
    } catch (e) {
      if (e instanceof CancelledError && stopping) return 0;
      throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await server?.close();
    }
  },
};

/**
 * `--from MS --to MS`: the page opens at that window, through the URL fragment the page itself keeps
 * (core/util/window-fragment.ts). Read as decimal text, so a window typed to the ns stays exact.
 */
function windowFlags(args: ParsedArgs, usage: string): string {
  const from = flagString(args, 'from');
  const to = flagString(args, 'to');
  if (from === undefined && to === undefined) return '';
  if (from === undefined || to === undefined) throw new CliError(`Give both --from and --to (ms since session start). Usage: ${usage}`, 2);
  const fromNs = msTextToNs(from);
  const toNs = msTextToNs(to);
  if (fromNs === null || toNs === null)
    throw new CliError(
      `--from and --to must be ms since session start as plain decimals, e.g. 8440.5 (got "${fromNs === null ? from : to}").`,
      2,
    );
  if (!(toNs > fromNs)) throw new CliError(`Empty window: --to (${to}) must be after --from (${from}).`, 2);
  return windowFragment(fromNs, toNs);
}
