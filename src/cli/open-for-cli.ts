import { openTrace, type OpenedTrace } from '../core/io/open-trace';
import { flagNumber, flagString, type CliIo, type ParsedArgs } from './command';

/** Flags every trace-reading command accepts (documented once in --help). */
export const OPEN_FLAGS_USAGE = '[--nsys PATH] [--timeout-s N]';

/**
 * openTrace for terminal use: `--nsys PATH` overrides nsys discovery, `--timeout-s` limits
 * `nsys export`, progress of a report export goes to stderr (only on a terminal, so pipes and
 * tests stay clean), and Ctrl-C cancels the export instead of leaving nsys running.
 */
export async function openTraceForCli(path: string, args: ParsedArgs, io: CliIo): Promise<OpenedTrace> {
  const nsysPath = flagString(args, 'nsys');
  const timeoutS = flagNumber(args, 'timeout-s');
  let cancelled = false;
  const onSigint = () => { cancelled = true; };
  process.once('SIGINT', onSigint);
  const showProgress = Boolean(process.stderr.isTTY);
  let lastLine = '';
  try {
    return await openTrace(path, {
      nsysPath,
      timeoutMs: timeoutS !== undefined ? timeoutS * 1000 : undefined,
      shouldCancel: () => cancelled,
      onProgress: showProgress
        ? (p) => {
            const line = `${p.phase} ${Math.round(p.fraction * 100)}%${p.message ? ` ${p.message}` : ''}`;
            if (line === lastLine) return;
            lastLine = line;
            io.err(`\r\x1b[K${line}${p.phase === 'done' ? '\n' : ''}`);
          }
        : undefined,
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
