import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { openTraceForCli } from '../open-for-cli';
import type { StatsReport, StatsReportName } from '../../core/stats/types';
import { parseStatsCsv, statsReportOfFile } from '../../core/summary/stats-csv';
import { buildSummary, formatSummary } from '../../core/summary/summary';
import { CliError, flagNumber, flagString, requireTrace, type Command } from '../command';
import { boolFlag, refuseOverwrite, writeOutput } from './export-csv';

/** NVIDIA's `nsys stats --format csv` files for this trace in DIR: `<trace stem>_<report>.csv`. */
function readNsysStatsDir(dir: string, tracePath: string): Partial<Record<StatsReportName, StatsReport>> {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    throw new CliError(
      `--nsys-stats ${dir}: not a readable folder. Give the folder holding the CSVs of: nsys stats --format csv --output . REPORT`,
    );
  }
  const stem = basename(tracePath).replace(/\.(sqlite|nsys-rep|qdrep)$/i, '');
  const out: Partial<Record<StatsReportName, StatsReport>> = {};
  for (const f of files) {
    const name = statsReportOfFile(f);
    if (!name || (f !== `${name}.csv` && f !== `${stem}_${name}.csv`)) continue;
    out[name] = parseStatsCsv(name, readFileSync(resolve(dir, f), 'utf8'), resolve(dir, f));
  }
  if (!Object.keys(out).length)
    throw new CliError(`--nsys-stats ${dir}: no ${stem}_<report>.csv files there (e.g. ${stem}_cuda_gpu_kern_sum.csv).`);
  return out;
}

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'capture window, NVTX phases, top kernels, copies by direction and memory kind (GB/s), idle gaps, waits',
  usage: 'nsys-viewer summary TRACE [--json] [--out FILE [--force]] (FILE.json: JSON) [--top N] [--gap-ms MS] [--nsys-stats DIR]',
  async run(args, io) {
    const force = boolFlag(args, 'force');
    const path = requireTrace(args, this.usage);
    const out = flagString(args, 'out');
    // `--out summary.json` asks for JSON as plainly as --json does (the parsing scripts that read
    // summary.json would choke on the text form).
    const json = boolFlag(args, 'json') || (out !== undefined && /\.json$/i.test(out));
    const topN = flagNumber(args, 'top') ?? 10;
    if (!Number.isInteger(topN) || topN < 1) throw new CliError(`--top must be a positive integer (got ${topN}).`, 2);
    const gapMs = flagNumber(args, 'gap-ms') ?? 1;
    if (gapMs < 0) throw new CliError(`--gap-ms must be >= 0 (got ${gapMs}).`, 2);
    const statsDir = flagString(args, 'nsys-stats');
    if (out) refuseOverwrite([resolve(out)], force);
    const { model, name } = await openTraceForCli(path, args, io);
    const references = statsDir ? readNsysStatsDir(statsDir, path) : undefined;
    const sm = buildSummary(model, {
      topN,
      idleGapThresholdNs: Math.round(gapMs * 1e6),
      sqlite: name,
      references,
      referenceSource: statsDir ? 'nsys stats CSV' : undefined,
    });
    const text = json ? JSON.stringify(sm, null, 2) + '\n' : formatSummary(sm);
    if (out) {
      mkdirSync(dirname(resolve(out)), { recursive: true });
      writeOutput(resolve(out), text, force);
      io.out(`Wrote ${resolve(out)}\n`);
    } else io.out(text);
    const failed = sm.checks.filter((c) => !c.ok);
    if (failed.length) io.err(`${failed.length} of ${sm.checks.length} checks failed: ${failed.map((c) => c.name).join('; ')}\n`);
    return failed.length ? 3 : 0;
  },
};
