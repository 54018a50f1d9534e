import { lstatSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exportWindowCsv, ExportWindowError } from '../../core/export/csv';
import { openTraceForCli } from '../open-for-cli';
import type { TraceModel } from '../../core/model/types';
import { CliError, requireTrace, requireWindowAndOut, type Command, type ParsedArgs } from '../command';

/** Why every file came out empty: no GPU work at all, or none in this window (say where it is). */
function noGpuWorkNote(model: TraceModel): string {
  let first = Infinity;
  let last = -Infinity;
  for (const t of [model.kernels, model.memcpy, model.memset]) {
    for (let i = 0; i < t.count; i++) {
      if (t.startNs[i] < first) first = t.startNs[i];
      if (t.endNs[i] > last) last = t.endNs[i];
    }
  }
  if (first > last)
    return 'Note: this trace holds no kernels, copies or memsets (CUDA is traced with nsys profile -t cuda); the GPU files have headers only.\n';
  const ms = (ns: number) => ((ns - model.meta.sessionStartNs) / 1e6).toFixed(3);
  return `Note: no GPU work overlaps this window; the trace's GPU work spans ${ms(first)}–${ms(last)} ms since session start (--from/--to are ms, not s).\n`;
}

export const exportCsvCommand: Command = {
  name: 'export-csv',
  summary:
    'kernels, copies (with their API calls), kernel/copy pairs, CUDA API calls, NVTX ranges and OS runtime calls of a window as CSV (times in ms/ns from session start)',
  usage: 'nsys-viewer export-csv TRACE --from MS --to MS --out DIR [--force]',
  async run(args, io) {
    const force = boolFlag(args, 'force');
    const path = requireTrace(args, this.usage);
    const { fromMs, toMs, out: outDir } = requireWindowAndOut(args, this.usage, 'DIR');
    const { model } = await openTraceForCli(path, args, io);
    let files;
    try {
      files = exportWindowCsv(model, { fromMs, toMs });
    } catch (e) {
      if (e instanceof ExportWindowError) throw new CliError(e.message, 2);
      throw e;
    }
    const dir = resolve(outDir);
    // Check every target before writing any, so a refusal leaves no half-written set behind.
    refuseOverwrite(
      files.map((f) => resolve(dir, f.fileName)),
      force,
    );
    mkdirSync(dir, { recursive: true });
    for (const f of files) writeOutput(resolve(dir, f.fileName), f.csv, force);
    io.out(`Window ${fromMs}–${toMs} ms (from session start; ops overlapping it) → ${dir}\n`);
    for (const f of files) io.out(`  ${f.fileName.padEnd(40)} ${f.rows} rows\n`);
    if (files.every((f) => f.cpu || f.rows === 0)) io.err(noGpuWorkNote(model));
    return 0;
  },
};

/**
 * A boolean flag. The shared parser only knows --json/--help as value-less, so `--force TRACE`
 * would read TRACE as the flag's value: give such a value back to the positionals.
 */
export function boolFlag(args: ParsedArgs, name: string): boolean {
  const v = args.flags.get(name);
  if (v === undefined) return false;
  if (typeof v === 'string') {
    if (v === 'true' || v === 'false') return v === 'true';
    args.positional.push(v);
  }
  return true;
}

/** Whether anything is at `p`, a dangling symlink included (existsSync follows links and says no). */
function occupied(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuse to replace the user's files unless --force: lists every one that exists. A symlink counts
 * even when it points nowhere: writing through it would create a file wherever it points.
 */
export function refuseOverwrite(paths: string[], force: boolean): void {
  if (force) return;
  const existing = paths.filter(occupied);
  if (existing.length) {
    throw new CliError(
      `${existing.length === 1 ? 'File exists' : 'Files exist'}: ${existing.join(', ')}. Pass --force to overwrite, or choose another --out.`,
    );
  }
}

/**
 * Writes an output file: never through a symlink (with --force the link itself is replaced by the
 * file; without, the write fails if anything appeared since refuseOverwrite looked).
 */
export function writeOutput(path: string, data: string | Uint8Array, force: boolean): void {
  if (force) {
    try {
      if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
    } catch {
      // Nothing there.
    }
  }
  writeFileSync(path, data, { flag: force ? 'w' : 'wx' });
}
