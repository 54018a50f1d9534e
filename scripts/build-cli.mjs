// Bundles the Node entry points that are not part of the Electron app (the CLI, the `serve`
// server and the bench scripts) into CommonJS with esbuild. sql.js stays external so its wasm is
// found next to it in node_modules (see src/core/io/sqljs-node.ts).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  ['src/cli/nsys-viewer.ts', 'out/cli/nsys-viewer.cjs'],
  // openTraceInWorker's thread (serve and the benches load traces off their main thread).
  ['src/core/io/open-worker-main.ts', 'out/cli/open-worker.cjs'],
  ['bench/bench-open.ts', 'out/bench/bench-open.cjs'],
  ['bench/bench-timeline.ts', 'out/bench/bench-timeline.cjs'],
  ['bench/bench-export.ts', 'out/bench/bench-export.cjs'],
  ['bench/bench-scale.ts', 'out/bench/bench-scale.cjs'],
].filter(([src]) => existsSync(src));

await Promise.all(
  entries.map(([src, outfile]) =>
    build({
      entryPoints: [src],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: true,
      external: ['sql.js', 'playwright-core', 'ws', 'electron'],
      // CJS has no import.meta: give modules that use import.meta.url (ESM-first code) a real one.
      define: { 'import.meta.url': '__importMetaUrl' },
      banner: {
        js: `${src.startsWith('src/cli') ? '#!/usr/bin/env node\n' : ''}const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;`,
      },
      logLevel: 'warning',
    }),
  ),
);
