import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancelledError } from '../core/db/db';
import { openTraceInWorker } from '../core/io/open-in-worker';
import { openTrace, type OpenedTrace, type OpenProgress } from '../core/io/open-trace';
import type { TraceModel } from '../core/model/types';
import { gpuBusySeries, type GpuBusySeries } from '../core/query/gpu-busy';
import { phaseLabel } from '../shared/open-phases';
import { escapeTerminal } from './terminal';
import { skippedText } from '../core/summary/trace-info';
import { CliError, flagNumber, flagString, type CliIo, type ParsedArgs } from './command';
import { MAX_TIMEOUT_MS, stopLiveNsys } from '../core/io/nsys-export';
import { constants as osConstants } from 'node:os';

/** Flags every trace-reading command accepts (documented once in --help). */
export const OPEN_FLAGS_USAGE = '[--nsys PATH] [--timeout-s N]';

/** The bundled worker entry beside the CLI bundle (out/cli), or built from this checkout. */
export function findOpenWorker(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return [resolve(here, 'open-worker.cjs'), resolve(here, '../../out/cli/open-worker.cjs')].find((p) => existsSync(p));
}

/**
 * openTrace for terminal use: `--nsys PATH` overrides nsys discovery, `--timeout-s` limits
 * `nsys export`, progress of a report export goes to stderr (only on a terminal, so pipes and
 * tests stay clean), and Ctrl-C cancels the open (and nsys) instead of leaving it running.
 * `inWorker`: open on a worker thread (when its bundle exists) so this thread stays free — `serve`
 * answers the browser while the trace loads. `shouldCancel`: the caller owns Ctrl-C (serve does).
 */
export async function openTraceForCli(
  path: string,
  args: ParsedArgs,
  io: CliIo,
  {
    inWorker = false,
    shouldCancel,
    onProgress,
    onGpuModel,
    onGpuBusy,
  }: {
    inWorker?: boolean;
    shouldCancel?: () => boolean;
    /** Also told every progress step (serve shows them in the page). */
    onProgress?: (p: OpenProgress) => void;
    /** The GPU-first model (OpenTraceOptions.onGpuModel), for hosts that show it early. */
    onGpuModel?: (m: TraceModel) => void;
    /** On a worker only: the GPU-first model's busy series, built there (openTraceInWorker's onGpuBusy). */
    onGpuBusy?: (series: GpuBusySeries[]) => void;
  } = {},
): Promise<OpenedTrace> {
  const nsysPath = flagString(args, 'nsys');
  const timeoutS = flagNumber(args, 'timeout-s');
  if (timeoutS !== undefined && !(timeoutS > 0 && timeoutS * 1000 <= MAX_TIMEOUT_MS)) {
    throw new CliError(
      `--timeout-s must be more than 0 and at most ${Math.floor(MAX_TIMEOUT_MS / 1000)} (about 24 days); got ${timeoutS}.`,
      2,
    );
  }
  // While nsys may run (the export phase), signals stop it: the first Ctrl-C cancels (nsys gets
  // SIGTERM, then SIGKILL), a second Ctrl-C, SIGTERM (`timeout`) or SIGHUP kill its process group at
  // once and remove its temp file before exiting. nsys runs in its own group, so the terminal's
  // signal never reaches it. Once the model is being built no child is left, and the handlers go:
  // the build is synchronous between table reads, so a handler could only run at the next yield,
  // while the default action stops a long read at once.
  let interrupted = false;
  const onSigint = () => {
    if (!interrupted) {
      interrupted = true;
      return;
    }
    stopLiveNsys();
    process.exit(130);
  };
  const onFatal = (sig: NodeJS.Signals) => {
    stopLiveNsys();
    process.exit(128 + (osConstants.signals[sig] ?? 15));
  };
  const release = () => {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onFatal);
    process.removeListener('SIGHUP', onFatal);
  };
  if (!shouldCancel) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onFatal);
    process.on('SIGHUP', onFatal);
  }
  const cancelled = shouldCancel ?? (() => interrupted);
  const showProgress = Boolean(process.stderr.isTTY);
  let lastLine = '';
  const worker = inWorker ? findOpenWorker() : undefined;
  // In-process (no worker bundle next to this one), the series are built here, right after the model.
  const open = worker
    ? (p: string, o: Parameters<typeof openTrace>[1]) => openTraceInWorker(p, worker, { ...o, onGpuBusy })
    : (p: string, o: Parameters<typeof openTrace>[1]) =>
        openTrace(p, {
          ...o,
          onGpuModel:
            o?.onGpuModel &&
            ((m) => {
              o.onGpuModel?.(m);
              onGpuBusy?.([...gpuBusySeries(m).values()]);
            }),
        });
  try {
    const opened = await open(path, {
      nsysPath,
      timeoutMs: timeoutS !== undefined ? timeoutS * 1000 : undefined,
      shouldCancel: cancelled,
      onGpuModel,
      onProgress: showProgress
        ? (p) => {
            onProgress?.(p);
            if (p.phase !== 'hash' && p.phase !== 'export') release();
            const line = escapeTerminal(`${phaseLabel(p.phase)} ${Math.round(p.fraction * 100)}%${p.message ? ` ${p.message}` : ''}`);
            if (line === lastLine) return;
            lastLine = line;
            (io.progress ?? io.err)(`\r\x1b[K${line}${p.phase === 'done' ? '\n' : ''}`);
          }
        : (p) => {
            onProgress?.(p);
            if (p.phase !== 'hash' && p.phase !== 'export') release();
          },
    });
    // Ctrl-C after the last cancellation point still means stop.
    if (cancelled()) throw new CancelledError();
    const skipped = opened.model.meta.skippedRows;
    if (skipped?.length) io.err(`Note: ${opened.name}: left out ${skippedText(skipped)}; nsys-viewer info lists them.\n`);
    return opened;
  } finally {
    release();
  }
}
