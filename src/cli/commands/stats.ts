import { openTraceForCli } from '../open-for-cli';
import { findNvtxRange, nvtxRangeFilter } from '../../core/stats/filter';
import { isStatsReportName, runStatsReport } from '../../core/stats/run-stats';
import { toCsv, toTable } from '../../core/stats/format';
import { STATS_REPORT_NAMES, type StatsFilter, type StatsReportName } from '../../core/stats/types';
import { CliError, flagNumber, flagString, requireTrace, type Command } from '../command';

const VALID = STATS_REPORT_NAMES.join(', ');

/**
 * `nsys stats` from the model. With --format csv one report prints exactly as
 * `nsys stats --format csv --report NAME --output FILE` writes it (byte-identical to nsys 2025.3's
 * files). With several reports, stdout has nsys's console form (seen with nsys 2022.4):
 * "Processing [TRACE] with [REPORT]... " on a line before each report and a blank line after it.
 */
export const statsCommand: Command = {
  name: 'stats',
  summary: 'nsys stats summary reports, computed from the model (csv output identical to nsys stats)',
  usage:
    'nsys-viewer stats TRACE --report NAME[,NAME...] [--format csv|table] [--start-ns N] [--end-ns N] [--pid PID[,PID...]] [--filter-nvtx TEXT[@DOMAIN]]  ' +
    `(reports: ${VALID}; the time window keeps events overlapping [start, end), and --filter-nvtx narrows to the first range of that name, both like nsys stats)`,
  async run(args, io) {
    const path = requireTrace(args, this.usage);
    const reportArg = flagString(args, 'report');
    if (!reportArg) throw new CliError(`Missing --report NAME. Valid reports: ${VALID}.`, 2);
    const names = reportArg
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !isStatsReportName(n));
    if (unknown.length || names.length === 0) {
      throw new CliError(`Unknown report "${unknown.join(', ') || reportArg}". Valid reports: ${VALID}.`, 2);
    }
    const format = flagString(args, 'format') ?? 'table';
    if (format !== 'csv' && format !== 'table') throw new CliError(`--format must be csv or table (got "${format}").`, 2);
    let filter = parseFilter(args);
    const nvtxName = flagString(args, 'filter-nvtx');

    const { model, name } = await openTraceForCli(path, args, io);
    if (nvtxName !== undefined) {
      const i = findNvtxRange(model, nvtxName);
      if (i < 0)
        throw new CliError(`NVTX range '${nvtxName}' could not be found in ${name} (write TEXT, or TEXT@DOMAIN for a named domain).`, 2);
      // Explicit --start-ns/--end-ns/--pid override the range's, as nsys's own flags do.
      filter = { ...nvtxRangeFilter(model, i), ...definedOnly(filter) };
    }
    const several = names.length > 1;
    for (const report of names as StatsReportName[]) {
      const r = runStatsReport(model, report, filter);
      if (several) io.out(`Processing [${name}] with [${report}]... \n`);
      if (r.rows.length === 0) {
        // nsys prints nothing for a report without data and says so on stderr ("SKIPPED: ...").
        io.err(`SKIPPED: ${name} has no events for ${report}${filter ? ' in the chosen window/processes' : ''}.\n`);
      } else {
        io.out(format === 'csv' ? toCsv(r) : toTable(r));
      }
      if (several) io.out('\n');
    }
    return 0;
  },
};

function parseFilter(args: Parameters<Command['run']>[0]): StatsFilter | undefined {
  const t0Ns = flagNumber(args, 'start-ns');
  const t1Ns = flagNumber(args, 'end-ns');
  if (t0Ns !== undefined && t1Ns !== undefined && t0Ns > t1Ns) throw new CliError(`--start-ns (${t0Ns}) is after --end-ns (${t1Ns}).`, 2);
  const pidArg = flagString(args, 'pid');
  let pids: number[] | undefined;
  if (pidArg !== undefined) {
    pids = pidArg.split(',').map((s) => Number(s.trim()));
    if (pids.some((p) => !Number.isInteger(p))) throw new CliError(`--pid takes process ids separated by commas (got "${pidArg}").`, 2);
  }
  if (t0Ns === undefined && t1Ns === undefined && pids === undefined) return undefined;
  return { t0Ns, t1Ns, pids };
}

function definedOnly(f: StatsFilter | undefined): StatsFilter {
  const out: StatsFilter = {};
  if (f?.t0Ns !== undefined) out.t0Ns = f.t0Ns;
  if (f?.t1Ns !== undefined) out.t1Ns = f.t1Ns;
  if (f?.pids !== undefined) out.pids = f.pids;
  return out;
}
