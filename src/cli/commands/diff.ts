import { existsSync } from 'node:fs';
import {
  AlignError,
  defaultAlignSpec,
  formatAlignSpec,
  parseAlignSpec,
  resolveAlignment,
  type Alignment,
  type AlignSpec,
} from '../../core/compare/align';
import { compareRuns, type DiffFigures, type RunComparison, type SideSummary } from '../../core/compare/compare-runs';
import type { TraceModel } from '../../core/model/types';
import { csvField } from '../../core/stats/format';
import { CATEGORY_LABELS } from '../../core/util/kernel-category';
import { CliError, flagNumber, flagString, type Command } from '../command';
import { openTraceForCli } from '../open-for-cli';
import { boolFlag } from './export-csv';
import { regexFlag } from './steps';

/** Exit code of `--fail-if-slower` when B's median step is slower than allowed (a CI gate). */
export const EXIT_SLOWER = 4;

/**
 * `TRACE#PID` names one process of a trace (a tensor-parallel rank: nsys records pids, not rank
 * numbers). A path that exists as written is a path, even with a '#' in it.
 */
export function parseTraceArg(arg: string): { path: string; pid?: number } {
  if (existsSync(arg)) return { path: arg };
  const m = /^(.*)#(\d+)$/.exec(arg);
  if (!m) return { path: arg };
  return { path: m[1], pid: Number(m[2]) };
}

const r = (x: number | null) => (x === null ? null : Math.round(x));

/** The `diff --json` document: integer ns (per-step averages rounded), the issue's field names first. */
export function diffJson(c: RunComparison, align: Alignment | null = null): unknown {
  const side = (s: SideSummary) => ({
    file: s.file,
    pid: s.pid,
    window: s.window,
    steps: {
      count: s.steps.count,
      wallMedianNs: s.steps.wallMedianNs,
      wallP90Ns: s.steps.wallP90Ns,
      decodeMedianNs: s.steps.decodeMedianNs,
      kernelsMedian: s.steps.kernelsMedian,
      gpuBusyFraction: s.steps.gpuBusyFraction,
      source: s.steps.source,
      description: s.steps.description,
    },
    kernels: s.kernels,
    note: s.note,
  });
  const fig = (f: DiffFigures) => ({
    countA: f.countA,
    countB: f.countB,
    totalNsA: f.totalNsA,
    totalNsB: f.totalNsB,
    perStepCountA: f.perStepCountA,
    perStepCountB: f.perStepCountB,
    perStepNsA: r(f.perStepNsA),
    perStepNsB: r(f.perStepNsB),
    meanNsA: r(f.meanNsA),
    meanNsB: r(f.meanNsB),
    deltaNs: Math.round(f.deltaNs),
    status: f.status,
  });
  return {
    a: side(c.a),
    b: side(c.b),
    speedup: c.speedup,
    slowerPct: c.slowerPct,
    kernels: c.kernels.map((k) => ({ name: k.name, category: k.category, ...fig(k) })),
    categories: c.categories.map((k) => ({ category: k.category, ...fig(k) })),
    phases: c.phases,
    copies: c.copies.map((k) => ({ name: k.name, bytesA: k.bytesA, bytesB: k.bytesB, ...fig(k) })),
    steps: c.steps,
    align: align && {
      at: formatAlignSpec(align.spec),
      label: align.label,
      startNsA: align.startNsA,
      startNsB: align.startNsB,
      offsetNs: align.offsetNs,
    },
  };
}

const CSV_HEADER = [
  'section',
  'name',
  'category',
  'countA',
  'countB',
  'totalNsA',
  'totalNsB',
  'perStepNsA',
  'perStepNsB',
  'meanNsA',
  'meanNsB',
  'deltaNs',
  'status',
];

/** One CSV of the kernel and category rows (same columns; `section` tells them apart). */
export function diffCsv(c: RunComparison): string {
  const row = (section: string, name: string, category: string, f: DiffFigures) =>
    [
      section,
      name,
      category,
      f.countA,
      f.countB,
      f.totalNsA,
      f.totalNsB,
      r(f.perStepNsA),
      r(f.perStepNsB),
      r(f.meanNsA),
      r(f.meanNsB),
      Math.round(f.deltaNs),
      f.status,
    ]
      .map((v) => csvField(v === null ? '' : String(v)))
      .join(',');
  const lines = [CSV_HEADER.join(',')];
  for (const k of c.categories) lines.push(row('category', CATEGORY_LABELS[k.category], k.category, k));
  for (const k of c.kernels) lines.push(row('kernel', k.name, k.category, k));
  return `${lines.join('\n')}\n`;
}

const ms = (ns: number | null) => (ns === null ? '-' : (ns / 1e6).toFixed(3));
const us = (ns: number | null) => (ns === null ? '-' : (ns / 1e3).toFixed(1));
const n1 = (x: number | null) => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(1));
const signed = (ns: number, f: (x: number) => string) => (ns > 0 ? `+${f(ns)}` : f(ns));
const short = (name: string, max: number) => (name.length > max ? `${name.slice(0, max - 1)}…` : name);

function sideLine(label: string, s: SideSummary): string {
  const who = `${s.file}${s.pid !== null ? `#${s.pid}` : ''}`;
  if (!s.steps.count) return `${label}: ${who}: no steps found (figures cover the whole trace), ${s.kernels} kernels`;
  return `${label}: ${who}: ${s.steps.count} steps (${s.steps.description}), median step ${ms(s.steps.wallMedianNs)} ms, ${n1(s.steps.kernelsMedian)} kernels per step (median), GPU busy ${(s.steps.gpuBusyFraction * 100).toFixed(1)}%`;
}

function verdictLine(c: RunComparison): string {
  if (c.speedup === null) return 'No step time to compare: give --step-nvtx REGEX or --step-kernel REGEX.';
  const faster = c.speedup >= 1;
  return `B's median step is ${faster ? `${c.speedup.toFixed(2)}× faster` : `${(1 / c.speedup).toFixed(2)}× slower`} than A's (${ms(c.a.steps.wallMedianNs)} → ${ms(c.b.steps.wallMedianNs)} ms, ${c.slowerPct !== null && c.slowerPct >= 0 ? '+' : ''}${c.slowerPct?.toFixed(1)}%)`;
}

interface Table {
  header: string[];
  rows: string[][];
  /** Columns aligned right in text. */
  numeric: boolean[];
}

function tables(c: RunComparison, topKernels: number): { title: string; t: Table }[] {
  const perStep = c.a.window === 'steps' && c.b.window === 'steps';
  const unit = perStep ? 'µs/step' : 'µs total';
  const figs = (f: DiffFigures) => [
    n1(perStep ? f.perStepCountA : f.countA),
    n1(perStep ? f.perStepCountB : f.countB),
    us(perStep ? f.perStepNsA : f.totalNsA),
    us(perStep ? f.perStepNsB : f.totalNsB),
    signed(f.deltaNs, (x) => us(x)),
    us(f.meanNsA),
    us(f.meanNsB),
  ];
  const figHeader = [
    perStep ? 'calls/step A' : 'calls A',
    perStep ? 'calls/step B' : 'calls B',
    `A ${unit}`,
    `B ${unit}`,
    `Δ ${unit}`,
    'A µs/call',
    'B µs/call',
  ];
  const out: { title: string; t: Table }[] = [];
  if (c.phases.length) {
    out.push({
      title: 'Phases (NVTX, matched by name)',
      t: {
        header: ['phase', 'A wall ms', 'B wall ms', 'A GPU busy ms', 'B GPU busy ms', 'A kernels', 'B kernels'],
        rows: c.phases.map((p) => [
          p.name,
          p.countA ? ms(p.wallNsA) : '-',
          p.countB ? ms(p.wallNsB) : '-',
          p.countA ? ms(p.gpuBusyNsA) : '-',
          p.countB ? ms(p.gpuBusyNsB) : '-',
          p.countA ? String(p.kernelsA) : '-',
          p.countB ? String(p.kernelsB) : '-',
        ]),
        numeric: [false, true, true, true, true, true, true],
      },
    });
  }
  out.push({
    title: 'Kernel categories',
    t: {
      header: ['category', ...figHeader],
      rows: c.categories.map((k) => [CATEGORY_LABELS[k.category], ...figs(k)]),
      numeric: [false, ...figHeader.map(() => true)],
    },
  });
  const shown = c.kernels.slice(0, topKernels);
  out.push({
    title: `Kernels (${shown.length} of ${c.kernels.length} by |Δ|; new = only in B, removed = only in A)`,
    t: {
      header: [...figHeader, 'status', 'category', 'kernel'],
      rows: shown.map((k) => [...figs(k), k.status, k.category, short(k.name, 100)]),
      numeric: [...figHeader.map(() => true), false, false, false],
    },
  });
  if (c.copies.length) {
    out.push({
      title: 'Copies and memsets',
      t: {
        header: ['kind', 'A count', 'B count', 'A bytes', 'B bytes', 'A µs', 'B µs'],
        rows: c.copies.map((k) => [
          k.name,
          String(k.countA),
          String(k.countB),
          String(k.bytesA),
          String(k.bytesB),
          us(k.totalNsA),
          us(k.totalNsB),
        ]),
        numeric: [false, true, true, true, true, true, true],
      },
    });
  }
  return out;
}

function textTable(t: Table): string[] {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((v, i) => (i === r.length - 1 ? v : t.numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
  return [line(t.header), ...t.rows.map(line)];
}

function mdTable(t: Table): string[] {
  const esc = (v: string) => v.replace(/\|/g, '\\|');
  return [
    `| ${t.header.map(esc).join(' | ')} |`,
    `| ${t.numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
}

function notes(c: RunComparison): string[] {
  return [c.a.note, c.b.note].filter((n): n is string => n !== null);
}

/** Where the runs line up: the same point's time on each clock (what the compare view puts at one x). */
function alignLine(a: Alignment | null): string[] {
  if (!a) return [];
  return [
    `Aligned at ${a.label}: A at ${ms(a.startNsA)} ms, B at ${ms(a.startNsB)} ms (B's clock = A's ${a.offsetNs >= 0 ? '+' : '−'} ${ms(Math.abs(a.offsetNs))} ms)`,
  ];
}

export function diffText(c: RunComparison, align: Alignment | null = null): string {
  const out = [sideLine('A', c.a), sideLine('B', c.b), ...notes(c), ...alignLine(align), verdictLine(c)];
  for (const { title, t } of tables(c, 30)) out.push('', `${title}:`, ...textTable(t));
  return `${out.join('\n')}\n`;
}

/** Markdown to paste into a pull request: the verdict, phases, categories, the top kernels, copies. */
export function diffMarkdown(c: RunComparison, align: Alignment | null = null): string {
  const out = [
    '### nsys-viewer diff',
    '',
    `- ${sideLine('**A**', c.a)}`,
    `- ${sideLine('**B**', c.b)}`,
    ...notes(c).map((n) => `- ${n}`),
    ...alignLine(align).map((n) => `- ${n}`),
    '',
    `**${verdictLine(c)}**`,
  ];
  for (const { title, t } of tables(c, 20)) out.push('', `#### ${title}`, '', ...mdTable(t));
  return `${out.join('\n')}\n`;
}

export const diffCommand: Command = {
  name: 'diff',
  summary: 'compare two runs (or two ranks): steps by index, NVTX phases by name, kernels by name, categories, copies',
  usage:
    'nsys-viewer diff A B [--json|--md|--csv] [--fail-if-slower PCT] [--step-nvtx REGEX] [--step-kernel REGEX] [--align step:N|phase:NAME]   (A or B may be TRACE#PID)',
  async run(args, io) {
    const formats = ['json', 'md', 'csv'].filter((f) => boolFlag(args, f));
    if (formats.length > 1) throw new CliError('Give one of --json, --md and --csv.', 2);
    const failPct = flagNumber(args, 'fail-if-slower');
    if (failPct !== undefined && failPct < 0) throw new CliError(`--fail-if-slower takes a percentage ≥ 0 (got ${failPct}).`, 2);
    const stepNvtx = regexFlag(args, 'step-nvtx');
    const stepKernel = regexFlag(args, 'step-kernel');
    if (stepNvtx && stepKernel)
      throw new CliError('Give one of --step-nvtx and --step-kernel: steps are NVTX ranges or paced by a kernel, not both.', 2);
    const alignText = flagString(args, 'align');
    let alignSpec: AlignSpec | undefined;
    try {
      alignSpec = alignText === undefined ? undefined : parseAlignSpec(alignText);
    } catch (e) {
      throw new CliError(`--align: ${e instanceof Error ? e.message : String(e)}`, 2);
    }
    if (args.positional.length !== 2) throw new CliError(`Give two traces. Usage: ${this.usage}`, 2);
    const [argA, argB] = args.positional.map(parseTraceArg);
    // The same file twice (rank vs rank) is opened once.
    const opened = new Map<string, Promise<{ model: TraceModel; name: string }>>();
    const open = (p: string) => {
      let o = opened.get(p);
      if (!o) opened.set(p, (o = openTraceForCli(p, args, io)));
      return o;
    };
    const a = await open(argA.path);
    const b = await open(argB.path);
    let c: RunComparison;
    try {
      c = compareRuns(
        { model: a.model, file: a.name, pid: argA.pid },
        { model: b.model, file: b.name, pid: argB.pid },
        { stepNvtx, stepKernel },
      );
    } catch (e) {
      throw new CliError(e instanceof Error ? e.message : String(e), 2);
    }
    // The figures do not depend on it (steps by index, phases by name); the offset between clocks does.
    let align: Alignment | null = null;
    try {
      const spec = alignSpec ?? defaultAlignSpec(c);
      align = spec && resolveAlignment(c, spec);
    } catch (e) {
      if (!(e instanceof AlignError)) throw e;
      throw new CliError(`--align ${alignText ?? ''}: ${e.message}`, 2);
    }
    const fmt = formats[0];
    if (fmt === 'json') io.out(`${JSON.stringify(diffJson(c, align), null, 2)}\n`);
    else if (fmt === 'md') io.out(diffMarkdown(c, align));
    else if (fmt === 'csv') io.out(diffCsv(c));
    else io.out(diffText(c, align));
    if (failPct !== undefined) {
      if (c.slowerPct === null) {
        io.err(
          `--fail-if-slower needs steps on both sides; ${c.a.steps.count ? c.b.file : c.a.file} has none: give --step-nvtx REGEX or --step-kernel REGEX.\n`,
        );
        return 1;
      }
      if (c.slowerPct > failPct) {
        io.err(
          `B's median step (${ms(c.b.steps.wallMedianNs)} ms) is ${c.slowerPct.toFixed(1)}% slower than A's (${ms(c.a.steps.wallMedianNs)} ms), more than --fail-if-slower ${failPct}.\n`,
        );
        return EXIT_SLOWER;
      }
    }
    return 0;
  },
};
