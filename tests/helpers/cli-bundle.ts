import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './paths';

/**
 * Bundles the CLI (and the open worker beside it) like scripts/build-cli.mjs, to a private folder
 * under node_modules (so the external sql.js resolves; out/ belongs to `npm run build`). For tests
 * that must run the CLI as its own process: signals, hangs, native crashes, heap limits.
 */
export async function bundleCli(tag: string): Promise<{ cli: string; dispose: () => void }> {
  const dir = join(repoRoot, 'node_modules/.cache/nsys-viewer-tests', `${tag}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'cjs' as const,
    target: 'node20',
    external: ['sql.js', 'playwright-core', 'ws', 'electron'],
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'silent' as const,
  };
  await Promise.all([
    build({ ...common, entryPoints: [join(repoRoot, 'src/cli/nsys-viewer.ts')], outfile: join(dir, 'nsys-viewer.cjs') }),
    build({ ...common, entryPoints: [join(repoRoot, 'src/core/io/open-worker-main.ts')], outfile: join(dir, 'open-worker.cjs') }),
  ]);
  return { cli: join(dir, 'nsys-viewer.cjs'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/**
 * Runs the bundled CLI with a wall-clock limit (SIGKILL past it), optionally a V8 heap limit.
 * `during` gets the child to signal it while it runs.
 */
export function runCliProcess(
  cli: string,
  args: string[],
  opts: {
    timeoutMs?: number;
    env?: Record<string, string>;
    heapMb?: number;
    cwd?: string;
    during?: (child: ReturnType<typeof spawn>) => void;
  } = {},
): Promise<CliRun> {
  const t0 = Date.now();
  const nodeArgs = opts.heapMb ? [`--max-old-space-size=${opts.heapMb}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, cli, ...args], {
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 20_000);
  opts.during?.(child);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, timedOut });
    });
  });
}
