/**
 * nsys-viewer CLI: the same src/core the desktop app uses, for terminals, scripts and CI.
 * Exit 0 on success; on bad input one clear line on stderr and a non-zero exit, never a stack trace.
 */
import { COMMANDS } from './commands/index';
import { CliError, parseArgs, type CliIo } from './command';
import { describeError } from '../core/io/errors';
import { OPEN_FLAGS_USAGE } from './open-for-cli';
import { escapeTerminal } from './terminal';

export async function main(argv: string[], rawIo: CliIo): Promise<number> {
  // The one place output is escaped for the terminal (src/cli/terminal.ts): messages on stderr
  // always (they quote file names and nsys output), stdout when it is a terminal — piped or
  // redirected CSV and JSON stay byte-exact data.
  const io: CliIo = {
    out: rawIo.outIsTerminal === false ? rawIo.out : (t) => rawIo.out(escapeTerminal(t)),
    err: (t) => rawIo.err(escapeTerminal(t)),
    outIsTerminal: rawIo.outIsTerminal,
    progress: rawIo.err,
  };
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.out('nsys-viewer 0.1.0\n');
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`nsys-viewer: unknown command "${name}". Run nsys-viewer --help.\n`);
    return 2;
  }
  const args = parseArgs(rest, ['json', 'csv', 'md', 'compare', 'help']);
  if (args.flags.has('help')) {
    io.out(`usage: ${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`nsys-viewer ${name}: ${e.message}\n`);
      return e.exitCode;
    }
    io.err(`nsys-viewer ${name}: ${describeError(e)}\n`);
    return 1;
  }
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: nsys-viewer COMMAND TRACE [options]     (TRACE: .sqlite export or .nsys-rep/.qdrep report)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n  ${''.padEnd(width)}  ${c.usage}`),
    '',
    `Every command that reads a TRACE also takes ${OPEN_FLAGS_USAGE}: the nsys used to export`,
    'a report (default: NSYS, PATH, standard install folders) and a limit on the export.',
    '',
  ].join('\n');
}

// Run when executed (bundled to out/cli/nsys-viewer.cjs), not when imported by tests.
if (typeof require !== 'undefined' && require.main === module) {
  // `nsys-viewer stats ... | head`: the reader went away; stop quietly as Unix tools do, not with a stack.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    outIsTerminal: Boolean(process.stdout.isTTY),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(escapeTerminal(`nsys-viewer: ${describeError(e)}`) + '\n');
      process.exitCode = 1;
    },
  );
}
