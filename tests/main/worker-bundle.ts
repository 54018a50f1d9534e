import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../helpers/paths';

/**
 * Bundles src/main/trace-worker.ts the way the app ships it (CommonJS, sql.js external) into a
 * folder inside the repo, so require('sql.js') resolves from node_modules as it does in the app.
 * Not out/: other builds write there.
 */
export async function bundleTraceWorker(tag: string): Promise<{ workerFile: string; dispose: () => void }> {
  const dir = join(repoRoot, 'node_modules', '.cache', 'nsys-viewer-tests', `${tag}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const workerFile = join(dir, 'trace-worker.cjs');
  await build({
    entryPoints: [join(repoRoot, 'src/main/trace-worker.ts')],
    outfile: workerFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['sql.js'],
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
  return { workerFile, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
