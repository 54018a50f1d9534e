import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, runCliProcess } from '../helpers/cli-bundle';
import { repoRoot } from '../helpers/paths';

/**
 * Fuzzing a real export: random byte flips and SQL edits of streams.sqlite, each run through the
 * bundled CLI as its own process (a native crash or a hang cannot take the test runner with it).
 * Every case must end on its own within the limit with either output or one clear line on stderr:
 * no signal death, no stack trace. Seeded, so a failure names a case that reproduces; bounded to
 * ~20 s of cases so CI stays fast (raise FUZZ_CASES locally to search longer).
 */
const STREAMS = resolve(repoRoot, 'tests/fixtures/nsys-2025.3/streams.sqlite');
const root = mkdtempSync(join(tmpdir(), 'nsys-viewer-fuzz-'));
const BUDGET_MS = Number(process.env.FUZZ_MS ?? 20_000);
const MAX_CASES = Number(process.env.FUZZ_CASES ?? 400);
let cli = '';
let dispose = () => undefined as void;
beforeAll(async () => {
  ({ cli, dispose } = await bundleCli('fuzz'));
}, 60_000);
afterAll(() => {
  dispose();
  rmSync(root, { recursive: true, force: true });
});

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TABLES = [
  'CUPTI_ACTIVITY_KIND_KERNEL',
  'CUPTI_ACTIVITY_KIND_MEMCPY',
  'CUPTI_ACTIVITY_KIND_RUNTIME',
  'NVTX_EVENTS',
  'OSRT_API',
  'StringIds',
  'TARGET_INFO_GPU',
  'ANALYSIS_DETAILS',
  'META_DATA_EXPORT',
  'ThreadNames',
  'PROCESSES',
];
const COLUMNS: Record<string, string[]> = {
  CUPTI_ACTIVITY_KIND_KERNEL: ['start', 'end', 'deviceId', 'streamId', 'shortName', 'demangledName', 'globalPid', 'correlationId', 'gridX'],
  CUPTI_ACTIVITY_KIND_MEMCPY: ['start', 'end', 'bytes', 'copyKind', 'streamId', 'globalPid'],
  CUPTI_ACTIVITY_KIND_RUNTIME: ['start', 'end', 'nameId', 'globalTid', 'correlationId'],
  NVTX_EVENTS: ['start', 'end', 'eventType', 'textId', 'text', 'globalTid', 'domainId'],
  OSRT_API: ['start', 'end', 'nameId', 'globalTid'],
  StringIds: ['id', 'value'],
  TARGET_INFO_GPU: ['id', 'name', 'totalMemory', 'smCount'],
  ANALYSIS_DETAILS: ['duration', 'startTime', 'stopTime'],
  META_DATA_EXPORT: ['name', 'value'],
  ThreadNames: ['nameId', 'globalTid'],
  PROCESSES: ['pid', 'globalPid', 'name'],
};
const VALUES = [
  'NULL',
  "'text'",
  '-1',
  '0',
  '2147483648',
  '9223372036854775807',
  '-9223372036854775808',
  '1e300',
  "x'00ff'",
  "char(27) || '[2J'",
  "'=1+1'",
  '2000000000',
];

function sqlEdit(r: () => number): string {
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const t = pick(TABLES);
  const c = pick(COLUMNS[t]);
  switch (Math.floor(r() * 6)) {
    case 0:
      return `UPDATE "${t}" SET "${c}" = ${pick(VALUES)} WHERE rowid % ${1 + Math.floor(r() * 5)} = 0;`;
    case 1:
      return `DELETE FROM "${t}" WHERE rowid % ${2 + Math.floor(r() * 3)} = 0;`;
    case 2:
      return `DROP TABLE "${t}";`;
    case 3:
      return `INSERT INTO "${t}" SELECT * FROM "${t}";`; // duplicate rows
    case 4:
      return `ALTER TABLE "${t}" RENAME COLUMN "${c}" TO "${c}_gone";`;
    default:
      return `UPDATE "${t}" SET "${c}" = ${pick(VALUES)};`;
  }
}

describe('fuzz: mutated exports end with output or one clear line, never a hang or a crash', () => {
  it(
    'byte flips and SQL edits of streams.sqlite (seeded, ~20 s)',
    async () => {
      const r = rng(Number(process.env.FUZZ_SEED ?? 20251130));
      const original = readFileSync(STREAMS);
      const t0 = Date.now();
      let cases = 0;
      const failures: string[] = [];
      while (Date.now() - t0 < BUDGET_MS && cases < MAX_CASES) {
        const f = join(root, `case-${cases}.sqlite`);
        let what: string;
        if (r() < 0.5) {
          const bytes = Buffer.from(original);
          const flips = 1 + Math.floor(r() * 64);
          // Mostly past the 100-byte header (the header's own checks have their own tests), sometimes in it.
          const lo = r() < 0.1 ? 0 : 100;
          for (let k = 0; k < flips; k++) bytes[lo + Math.floor(r() * (bytes.length - lo))] ^= 1 << Math.floor(r() * 8);
          writeFileSync(f, bytes);
          what = `${flips} byte flips from offset ${lo}`;
        } else {
          copyFileSync(STREAMS, f);
          const edits = Array.from({ length: 1 + Math.floor(r() * 3) }, () => sqlEdit(r));
          what = edits.join(' ');
          try {
            execFileSync('sqlite3', [f, edits.join('\n')], { stdio: 'ignore' });
          } catch {
            // An edit the schema refuses (a renamed column that does not exist): the file is still a case.
          }
        }
        const command = r() < 0.5 ? ['info', f] : ['stats', f, '--report', r() < 0.5 ? 'cuda_gpu_kern_sum' : 'nvtx_sum'];
        // Every other case through sql.js: the page reader is the default, sql.js its fallback.
        const reader = cases % 2 === 0 ? 'pages' : 'sqljs';
        const run = await runCliProcess(cli, command, { timeoutMs: 15_000, heapMb: 512, env: { NSYS_VIEWER_SQLITE_READER: reader } });
        const lines = run.stderr.split('\n').filter(Boolean);
        const ok =
          !run.timedOut &&
          run.signal === null &&
          (run.code === 0 || run.code === 1) &&
          !/^\s+at /m.test(run.stderr) &&
          (run.code === 0
            ? // Output (or nsys's own "SKIPPED" for a report without data), and at most the note on
              // rows left out for unusable times.
              lines.every(
                (l) => l.startsWith(`Note: case-${cases}.sqlite: left out `) || l.startsWith(`SKIPPED: case-${cases}.sqlite has no events`),
              ) &&
              (run.stdout.length > 0 || lines.some((l) => l.startsWith('SKIPPED: ')))
            : lines.length === 1 && lines[0].startsWith(`nsys-viewer ${command[0]}: case-${cases}.sqlite `));
        if (!ok)
          failures.push(
            `case ${cases} (${what}; ${command[0]}; ${reader} reader): exit ${run.code} signal ${run.signal}${run.timedOut ? ' TIMED OUT' : ''}: ${run.stderr.slice(0, 300)}`,
          );
        rmSync(f, { force: true });
        cases++;
      }
      console.log(`fuzz: ${cases} cases`);
      expect(failures).toEqual([]);
      expect(cases).toBeGreaterThan(5);
    },
    BUDGET_MS + 40_000,
  );
});
