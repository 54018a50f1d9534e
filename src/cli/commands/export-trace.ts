import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { exportChromeTrace } from '../../core/export/chrome-trace';
import { openTraceForCli } from '../open-for-cli';
import { CliError, flagNumber, flagString, requireTrace, type Command } from '../command';
import { boolFlag, refuseOverwrite } from './export-csv';

export const exportTraceCommand: Command = {
  name: 'export-trace',
  summary:
    'Chrome Trace Event JSON for Perfetto / chrome://tracing: streams and threads, GPU work, API calls, NVTX, API→GPU flows (µs, exact to the ns)',
  usage: 'nsys-viewer export-trace TRACE [--from MS --to MS] --out FILE.json [--force]',
  async run(args, io) {
    const force = boolFlag(args, 'force');
    const path = requireTrace(args, this.usage);
    const fromMs = flagNumber(args, 'from');
    const toMs = flagNumber(args, 'to');
    const out = flagString(args, 'out');
    if (!out) throw new CliError(`--out FILE.json is required. Usage: ${this.usage}`, 2);
    if (!out.toLowerCase().endsWith('.json'))
      throw new CliError(`--out must name a .json file (got "${out}"): Perfetto and chrome://tracing open .json traces.`, 2);
    if ((fromMs === undefined) !== (toMs === undefined))
      throw new CliError(`Give both --from and --to (ms since session start), or neither for the whole trace. Usage: ${this.usage}`, 2);
    if (fromMs !== undefined && toMs !== undefined && !(toMs > fromMs))
      throw new CliError(`Empty window: --to (${toMs}) must be after --from (${fromMs}).`, 2);
    const file = resolve(out);
    refuseOverwrite([file], force);
    const { model } = await openTraceForCli(path, args, io);
    const { json, counts } = exportChromeTrace(
      model,
      fromMs === undefined ? {} : { fromNs: Math.round(fromMs * 1e6), toNs: Math.round(toMs! * 1e6) },
    );
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, json);
    const window = fromMs === undefined ? 'whole trace' : `window ${fromMs}–${toMs} ms (events overlapping it)`;
    io.out(`${window} → ${file}\n`);
    io.out(
      `  kernels ${counts.kernel}, graph executions ${counts.graph}, copies ${counts.memcpy}, memsets ${counts.memset}, CUDA API calls ${counts['cuda-api']}, NVTX ${counts.nvtx}, OS runtime ${counts.osrt}, API→GPU flows ${counts.flows}\n`,
    );
    io.out('  Open in https://ui.perfetto.dev (Open trace file) or chrome://tracing (Load).\n');
    return 0;
  },
};
