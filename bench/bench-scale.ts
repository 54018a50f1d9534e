/**
 * bench:scale — many_kernels repeated ×6 (and ×20 with --x20, ×30 with --x30) by ../shared/tools/scale_sqlite.py,
 * opened into the model + summary in a fresh process per open (so peak RSS is that open's own), then
 * reopened in another fresh process (the model cache, issue 15), against the sqlite3 CLI reading the
 * same kernel + CUDA API rows and `nsys stats` on the same file, all in the same run.
 * Generated files are kept in NSYS_VIEWER_SCALE_DIR (default $TMPDIR/nsys-viewer-scale) because the
 * scaler takes minutes at ×20; --fresh makes them again.
 * Goals (issue 15): ×1 open+summary ≤ 2× sqlite3; ×6 ≤ 2× sqlite3 and ≤ 100 bytes/event peak RSS;
 * ×20 ≤ 25 s and ≤ 2.5 GB; reopen ≤ 25% of the first open.
 * Each size is opened with both SQLite readers (sql.js and the page reader, db/page-db.ts; sql.js
 * only up to 2 GiB); `--reader sqljs|pages` runs one. The reopen runs with the default reader
 * (`--no-reopen` skips it); `--open-only` leaves the summary out; `--only 20,30` picks sizes;
 * `--no-sqlite3` leaves the sqlite3 baseline out.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chooseReader, SQLJS_MAX_BYTES, type SqliteReader } from '../src/core/io/open-sqlite';
import { openTrace } from '../src/core/io/open-trace';
import { buildSummary } from '../src/core/summary/summary';

const shared = resolve(__dirname, '../../../shared');
const xzPath = process.env.MANY_KERNELS_XZ ?? join(shared, 'traces/many_kernels.sqlite.xz');
const scaler = join(shared, 'tools/scale_sqlite.py');

interface ChildResult {
  openMs: number;
  summaryMs: number;
  events: number;
  peakRssMb: number;
}

/** One open + summary in this process; prints its figures as JSON for the parent. */
async function child(path: string, cacheDir: string, summary: boolean): Promise<void> {
  const t0 = performance.now();
  const { model: m } = await openTrace(path, { cacheDir });
  const t1 = performance.now();
  if (summary) buildSummary(m);
  const t2 = performance.now();
  const events = m.kernels.count + m.api.count + m.memcpy.count + m.memset.count + m.nvtx.count + m.osrt.count;
  const r: ChildResult = { openMs: t1 - t0, summaryMs: t2 - t1, events, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(r) + '\n');
}

function runChild(path: string, cacheDir: string, reader?: SqliteReader): ChildResult {
  const r = spawnSync(process.execPath, [__filename, '--child', path, cacheDir, ...(noSummary ? ['--open-only'] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: reader ? { ...process.env, NSYS_VIEWER_SQLITE_READER: reader } : process.env,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{'))
    throw new Error(`open of ${path} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(line) as ChildResult;
}

/** Wall seconds and peak RSS (MB) of a command, through GNU time. */
function timed(cmd: string[]): { ms: number; rssMb: number } | { error: string } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'RSSKB %M', ...cmd], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = performance.now() - t;
  const m = /RSSKB (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m)
    return {
      error:
        (r.stderr ?? String(r.error))
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('RSSKB'))
          .slice(-1)[0] ?? `exit ${r.status}`,
    };
  return { ms, rssMb: Number(m[1]) / 1024 };
}

// Same rows and columns the model reads from the two big tables (bench:open's baseline).
const SQLITE3_SQL = [
  'SELECT start,end,deviceId,contextId,streamId,correlationId,globalPid,shortName,demangledName,mangledName,gridX,gridY,gridZ,blockX,blockY,blockZ,registersPerThread,staticSharedMemory,dynamicSharedMemory,graphNodeId FROM CUPTI_ACTIVITY_KIND_KERNEL;',
  'SELECT start,end,globalTid,correlationId,nameId,eventClass FROM CUPTI_ACTIVITY_KIND_RUNTIME;',
].join('\n');

function ensureTraces(dir: string, factors: number[], fresh: boolean): Map<number, string> {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, 'many_kernels.sqlite');
  if (fresh || !existsSync(base)) {
    if (!existsSync(xzPath)) throw new Error(`bench:scale needs ${xzPath} (the shared traces folder beside the project).`);
    execFileSync('sh', ['-c', 'xz -dc "$1" > "$2.part" && mv "$2.part" "$2"', 'sh', xzPath, base]);
  }
  const out = new Map<number, string>([[1, base]]);
  for (const k of factors) {
    if (k === 1) continue;
    const path = join(dir, `many_kernels_x${k}.sqlite`);
    if (fresh || !existsSync(path)) {
      console.log(`generating ×${k} with ${scaler} (minutes) ...`);
      const part = `${path}.part`;
      rmSync(part, { force: true });
      execFileSync('python3', [scaler, base, part, String(k)], { stdio: 'inherit' });
      renameSync(part, path);
    }
    out.set(k, path);
  }
  return out;
}

const f0 = (x: number) => x.toFixed(0);
/** --open-only: the open alone (no summary), e.g. to compare the readers on a loaded machine. */
let noSummary = false;

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2], args[3] !== '--open-only');
  noSummary = args.includes('--open-only');
  // --only 20,30: just those sizes (each open of a big file takes minutes on a loaded machine).
  const onlySizes = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',').map(Number) : null;
  const factors = onlySizes ?? [1, 6, ...(args.includes('--x20') ? [20] : []), ...(args.includes('--x30') ? [30] : [])];
  const only = args.includes('--reader') ? args[args.indexOf('--reader') + 1] : undefined;
  const readers: SqliteReader[] = only === 'sqljs' || only === 'pages' ? [only] : ['sqljs', 'pages'];
  const dir = process.env.NSYS_VIEWER_SCALE_DIR ?? join(tmpdir(), 'nsys-viewer-scale');
  const traces = ensureTraces(dir, factors, args.includes('--fresh'));
  const nsysOk = existsSync('/usr/bin/nsys') && !args.includes('--no-nsys');
  for (const k of factors) {
    const path = traces.get(k)!;
    const fileMb = statSync(path).size / 1e6;
    const cacheDir = mkdtempSync(join(tmpdir(), 'nsys-viewer-scale-cache-'));
    try {
      // Warm the page cache once for everyone, then the same-run baseline.
      const noBaseline = args.includes('--no-sqlite3');
      if (!noBaseline) timed(['sqlite3', '-batch', '-noheader', path, SQLITE3_SQL]);
      const sq = noBaseline ? { error: 'left out (--no-sqlite3)' } : timed(['sqlite3', '-batch', '-noheader', path, SQLITE3_SQL]);
      console.log(`\n×${k}  ${path} (${fileMb.toFixed(0)} MB), default reader ${chooseReader(statSync(path).size, {})}`);
      let firstMs = 0;
      let firstOpenMs = 0;
      const byDefault = chooseReader(statSync(path).size, {});
      // The default reader last, so that the model it stores is the one the reopen reads.
      for (const reader of [...readers.filter((r) => r !== byDefault), ...readers.filter((r) => r === byDefault)]) {
        if (reader === 'sqljs' && statSync(path).size > SQLJS_MAX_BYTES) {
          console.log(`  sqljs  open+summary   cannot open: over 2 GiB`);
          continue;
        }
        const first = runChild(path, cacheDir, reader);
        if (reader !== byDefault) rmSync(cacheDir, { recursive: true, force: true }); // each reader's open is a first open
        const ms = first.openMs + first.summaryMs;
        if (reader === byDefault || readers.length === 1) {
          firstMs = ms;
          firstOpenMs = first.openMs;
        }
        console.log(
          `  ${reader.padEnd(6)} ${noSummary ? 'open        ' : 'open+summary'}   ${f0(ms)} ms (open ${f0(first.openMs)} + summary ${f0(first.summaryMs)}), ${first.events} events, peak RSS ${f0(first.peakRssMb)} MB = ${((first.peakRssMb * 2 ** 20) / first.events).toFixed(0)} bytes/event${'error' in sq ? '' : `; ${(ms / sq.ms).toFixed(2)}× sqlite3`}`,
        );
      }
      const reopen = args.includes('--no-reopen') ? null : runChild(path, cacheDir);
      const reopenMs = reopen ? reopen.openMs + reopen.summaryMs : 0;
      if (reopen)
        console.log(
          `  reopen         ${f0(reopenMs)} ms (open ${f0(reopen.openMs)} + summary ${f0(reopen.summaryMs)}), peak RSS ${f0(reopen.peakRssMb)} MB; ${((100 * reopenMs) / firstMs).toFixed(0)}% of first open+summary, open alone ${((100 * reopen.openMs) / firstOpenMs).toFixed(0)}% (goal ≤ 25%)`,
        );
      if ('error' in sq) console.log(`  sqlite3 CLI    failed: ${sq.error}`);
      else
        console.log(
          `  sqlite3 CLI    ${f0(sq.ms)} ms, ${f0(sq.rssMb)} MB (kernel + CUDA API rows → /dev/null); default reader's open+summary = ${(firstMs / sq.ms).toFixed(2)}× sqlite3 (goal ≤ 2×)`,
        );
      if (nsysOk) {
        const outDir = mkdtempSync(join(tmpdir(), 'nsys-viewer-scale-stats-'));
        // 2022.4's names for the kernel and API summaries (cuda_gpu_kern_sum / cuda_api_sum in 2023+).
        const ns = timed([
          '/usr/bin/nsys',
          'stats',
          '-q',
          '--format',
          'csv',
          '--report',
          'gpukernsum,cudaapisum',
          '--output',
          join(outDir, 'r'),
          path,
        ]);
        rmSync(outDir, { recursive: true, force: true });
        if ('error' in ns) console.log(`  nsys stats     not comparable: ${ns.error}`);
        else
          console.log(
            `  nsys stats     ${f0(ns.ms)} ms, ${f0(ns.rssMb)} MB (gpukernsum + cudaapisum); open+summary = ${(firstMs / ns.ms).toFixed(2)}× nsys stats`,
          );
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  console.error(`bench:scale: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
