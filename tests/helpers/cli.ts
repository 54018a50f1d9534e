import { main } from '../../src/cli/nsys-viewer';

/** Runs the CLI in-process (same code as the bundled binary) and captures its output and exit code. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
