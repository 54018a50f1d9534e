import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TraceOpenError } from '../src/core/io/errors';
import { nodeLocatorFs } from '../src/core/io/nsys-export';
import { compareVersions, locateNsys } from '../src/core/io/nsys-locate';
import { openTrace } from '../src/core/io/open-trace';
import { sniffTrace } from '../src/core/io/sniff';
import type { TraceModel } from '../src/core/model/types';
import { runStatsReport } from '../src/core/stats/run-stats';
import { toCsv } from '../src/core/stats/format';
import { STATS_REPORT_NAMES } from '../src/core/stats/types';
import { repoRoot } from './helpers/paths';
import { dumpTrace } from './helpers/trace-snapshot';

/**
 * Every file in ../shared/corpus (public reports and exports, nsys 2020.3–2025.5) and
 * ../shared/traces (ours, nsys 2025.3): each opens — exports directly, reports through the local
 * nsys (Debian's 2022.4 on CI) into an export cache shared by this file — or, for a report newer
 * than that nsys, fails with the one line naming both versions and the export command. Each file
 * that opens has a readable snapshot (tests/snapshots/shared/) and, where NVIDIA's own
 * `nsys stats --format csv` outputs exist (corpus/exported-by-2025.3, traces/nsys-stats), the
 * same CSVs byte for byte.
 *
 * Needs ../shared beside the clone: CI has it (a missing one fails there); elsewhere the tests are
 * skipped with the reason.
 */
const SHARED = resolve(repoRoot, '../shared');
const CORPUS = join(SHARED, 'corpus');
const TRACES = join(SHARED, 'traces');
const present = existsSync(join(CORPUS, 'SOURCES.tsv')) && existsSync(join(TRACES, 'README.md'));
const onCi = process.env.CI === 'true';

const tmpRoot = mkdtempSync(join(tmpdir(), 'nsys-viewer-corpus-'));
const cacheDir = join(tmpRoot, 'export-cache');
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

const nsysPath = locateNsys({ platform: process.platform, env: process.env, fs: nodeLocatorFs }).found?.path ?? null;
const nsysVersion = nsysPath ? /version\s+(\S+)/.exec(execFileSync(nsysPath, ['--version'], { encoding: 'utf8' }))![1] : null;
const release = (v: string) => v.split('-')[0].split('.').slice(0, 3).join('.');
const yearRelease = (v: string) => v.split(/[.-]/).slice(0, 2).join('.');

interface Entry {
  /** Path relative to ../shared, e.g. "corpus/zasdfgbnm__misc/report1.qdrep". */
  rel: string;
  /** The nsys that wrote it: SOURCES.tsv for the corpus, traces/README.md ("2025.3.1 (CLI)") for ours. */
  recordedBy: string;
  /** Prefix of NVIDIA's CSVs for this file in `statsDir`, if there are any. */
  stats?: { dir: string; prefix: string };
}

function entries(): Entry[] {
  const out: Entry[] = [];
  const sources = new Map(
    readFileSync(join(CORPUS, 'SOURCES.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'))
      .map((c) => [c[0], c[5].replace(/^sqlite /, '')]),
  );
  const exported = join(CORPUS, 'exported-by-2025.3');
  for (const [file, version] of sources) {
    // A corpus export of a report that nsys 2025.3 also exported (demo.sqlite, written by 2024.6.2):
    // NVIDIA's 2025.3 CSVs of that report are its oracle too.
    const prefix = file.replace('/', '__').replace(/\.sqlite$/, '');
    const hasOracle = file.endsWith('.sqlite') && existsSync(join(exported, `${prefix}_cuda_gpu_kern_sum.csv`));
    out.push({ rel: `corpus/${file}`, recordedBy: version, stats: hasOracle ? { dir: exported, prefix } : undefined });
  }
  for (const f of readdirSync(exported).filter((x) => x.endsWith('.sqlite.xz'))) {
    out.push({
      rel: `corpus/exported-by-2025.3/${f}`,
      recordedBy: '2025.3.1',
      stats: { dir: exported, prefix: f.replace(/\.sqlite\.xz$/, '') },
    });
  }
  const statsDir = join(TRACES, 'nsys-stats');
  for (const f of readdirSync(TRACES).filter((x) => /\.(nsys-rep|sqlite|sqlite\.xz)$/.test(x))) {
    const stem = f.replace(/\.(nsys-rep|sqlite|sqlite\.xz)$/, '');
    const isExport = !f.endsWith('.nsys-rep');
    out.push({ rel: `traces/${f}`, recordedBy: '2025.3.1', stats: isExport ? { dir: statsDir, prefix: stem } : undefined });
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

/** A .sqlite.xz unpacked once into the temp folder (never beside the shared file). */
function unpacked(path: string): string {
  if (!path.endsWith('.xz')) return path;
  const out = join(tmpRoot, basename(path, '.xz'));
  if (!existsSync(out)) writeFileSync(out, execFileSync('xz', ['-dc', path], { maxBuffer: 1 << 30 }));
  return out;
}

const isReport = (rel: string) => /\.(nsys-rep|qdrep)$/.test(rel);
const snapshotName = (rel: string) => `snapshots/shared/${rel.replace(/\//g, '__').replace(/ /g, '_')}.txt`;

if (!present && onCi) {
  describe('the shared corpus', () => {
    it('is beside the clone', () => {
      expect.fail(
        `${CORPUS} and ${TRACES} are missing: CI must provide ../shared (corpus and traces) beside the checkout for tests/corpus.test.ts.`,
      );
    });
  });
}

describe.skipIf(!present)(
  `every file in ../shared/corpus and ../shared/traces${present ? '' : ' (skipped: ../shared is not beside the clone)'}`,
  () => {
    const list = present ? entries() : [];

    it('lists every trace file there', () => {
      // 15 corpus files (SOURCES.tsv), 3 exports by 2025.3, 19 files of ours. Empty files are left
      // out: a stray 0-byte "corpus/*.sqlite" (a shell glob that matched nothing, given to sqlite3)
      // is not a trace anyone recorded.
      const traceFile = (d: string, f: string) => /\.(nsys-rep|qdrep|sqlite|sqlite\.xz)$/.test(f) && statSync(join(d, f)).size > 0;
      const corpusFiles = readdirSync(CORPUS, { recursive: true, encoding: 'utf8' }).filter((f) => traceFile(CORPUS, f));
      const traceFiles = readdirSync(TRACES).filter((f) => traceFile(TRACES, f));
      expect(list.map((e) => e.rel).sort()).toEqual(
        [...corpusFiles.map((f) => `corpus/${f}`), ...traceFiles.map((f) => `traces/${f}`)].sort(),
      );
      expect(list.length).toBe(37);
    });

    for (const e of list) {
      const path = join(SHARED, e.rel);
      const name = basename(e.rel.replace(/\.xz$/, ''));
      const tooNew = isReport(e.rel) && (!nsysVersion || compareVersions(yearRelease(e.recordedBy), yearRelease(nsysVersion)) > 0);
      describe(e.rel, () => {
        if (isReport(e.rel)) {
          it('the sniffer reads the version that recorded it', () => {
            const s = sniffTrace(path);
            expect(s.kind).toBe('nsys-report');
            expect(s.kind === 'nsys-report' && s.recordedBy && release(s.recordedBy)).toBe(release(e.recordedBy));
          });
        }

        if (tooNew) {
          it.skipIf(!nsysPath)(`is refused in one line: recorded by ${release(e.recordedBy)}, newer than the nsys here`, async () => {
            const err = await openTrace(path, { cacheDir }).catch((x: unknown) => x);
            expect(err).toBeInstanceOf(TraceOpenError);
            expect((err as TraceOpenError).code).toBe('nsys-too-old');
            expect((err as Error).message).toBe(
              `${name} was recorded by Nsight Systems ${release(e.recordedBy)}; the nsys found here is ${release(nsysVersion!)} (${nsysPath}). ` +
                `Install Nsight Systems ${yearRelease(e.recordedBy)} or newer, or export it where it was recorded: nsys export --type sqlite -o ${name.replace(/\.(nsys-rep|qdrep)$/, '')}.sqlite ${name}`,
            );
          });
          return;
        }

        let model: TraceModel | undefined;
        it.skipIf(isReport(e.rel) && !nsysPath)(
          'opens, as its snapshot',
          async () => {
            model = (await openTrace(unpacked(path), { cacheDir })).model;
            // The corpus's own exports: the version SOURCES.tsv gives is the one the file says wrote it.
            if (e.rel.endsWith('.sqlite') && e.rel.startsWith('corpus/')) expect(model.meta.exportVersion).toBe(e.recordedBy);
            expect(model.meta.sessionEndNs - model.meta.sessionStartNs).toBeGreaterThan(0);
            await expect(dumpTrace(model)).toMatchFileSnapshot(snapshotName(e.rel));
          },
          120_000,
        );

        const stats = e.stats;
        if (stats) {
          const files = readdirSync(stats.dir).filter((f) => STATS_REPORT_NAMES.some((r) => f === `${stats.prefix}_${r}.csv`));
          for (const f of files) {
            const report = STATS_REPORT_NAMES.find((r) => f === `${stats.prefix}_${r}.csv`)!;
            it(`${report} equals NVIDIA's ${f}`, () => {
              expect(model, 'the trace did not open').toBeDefined();
              const got = toCsv(runStatsReport(model!, report)).split('\n');
              const want = readFileSync(join(stats.dir, f), 'utf8').split('\n');
              const at = want.findIndex((l, k) => l !== got[k]);
              expect(at === -1 && got.length === want.length ? 'same' : `line ${at + 1}: nsys "${want[at]}" ours "${got[at]}"`).toBe(
                'same',
              );
            });
          }
        }
      });
    }
  },
);
