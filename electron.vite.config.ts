import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { preloadTimelineChunks } from './scripts/preload-timeline-plugin';

// Three builds: main (Node, thin shell + trace worker), preload (sandboxed, CJS), renderer (React + pixi).
// The renderer bundle is also what `nsys-viewer serve` hands to a browser, so it must not assume Electron.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // The trace worker (one per window) is a second entry: it runs src/core off main's event loop.
        input: { index: resolve(__dirname, 'src/main/index.ts'), 'trace-worker': resolve(__dirname, 'src/main/trace-worker.ts') },
        external: ['sql.js'],
        // CommonJS, like the preload: worker_threads loads a .cjs from inside app.asar the same way
        // main does, and no ESM-in-asar loader path is involved.
        output: { format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        // Sandboxed preloads cannot use ESM imports: emit one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    base: './',
    plugins: [react(), preloadTimelineChunks()],
    build: {
      outDir: 'out/renderer',
      // electron-vite leaves the renderer unminified; the page's own evaluation is on the first
      // frame's path (issue 15: 1.97 MB took 1.3–2.4 s to evaluate on the loaded 2-core machine).
      // esbuild's minifier emits no eval, so the strict CSP (index.html) holds.
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});
