/** A CLI subcommand. Each lives in src/cli/commands/<name>.ts and is listed in src/cli/commands/index.ts. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether `out` is a terminal (then trace strings in it are escaped); default true. */
  outIsTerminal?: boolean;
  /** Raw stderr for our own progress line (\r, ESC[K); commands get it only through main(). */
  progress?: (text: string) => void;
}

export interface Command {
  name: string;
  /** One line for `nsys-viewer --help`. */
  summary: string;
  usage: string;
  /** Returns the exit code. Throw CliError for a clean one-line failure. */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

/** `--key value`, `--key=value` and boolean `--flag`; `booleans` lists flags that take no value. */
export function parseArgs(argv: string[], booleans: readonly string[] = []): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (booleans.includes(a.slice(2)) || i + 1 >= argv.length || argv[i + 1].startsWith('--')) flags.set(a.slice(2), true);
      else flags.set(a.slice(2), argv[++i]);
    } else positional.push(a);
  }
  return { positional, flags };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new CliError(`--${name} needs a value.`);
  return v;
}

export function flagNumber(args: ParsedArgs, name: string): number | undefined {
  const v = flagString(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`--${name} must be a number (got "${v}").`);
  return n;
}

export function requireTrace(args: ParsedArgs, usage: string): string {
  const trace = args.positional[0];
  if (!trace) throw new CliError(`Missing TRACE. Usage: ${usage}`, 2);
  return trace;
}

/**
 * `--from MS --to MS` (ms since session start, as users' seed scripts count) plus the named output
 * flag, all required; an empty window is refused before any trace is opened.
 */
export function requireWindowAndOut(args: ParsedArgs, usage: string, outWhat: string): { fromMs: number; toMs: number; out: string } {
  const fromMs = flagNumber(args, 'from');
  const toMs = flagNumber(args, 'to');
  const out = flagString(args, 'out');
  if (fromMs === undefined || toMs === undefined || !out) {
    throw new CliError(`--from, --to (ms since session start) and --out ${outWhat} are required. Usage: ${usage}`, 2);
  }
  if (!(toMs > fromMs)) throw new CliError(`Empty window: --to (${toMs}) must be after --from (${fromMs}).`, 2);
  return { fromMs, toMs, out };
}
