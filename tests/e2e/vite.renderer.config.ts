// Renderer-only build, identical to the `renderer` section of electron.vite.config.ts, for the
// browser tests and the timeline bench: they need out/renderer but not the Electron main/preload.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { preloadTimelineChunks } from '../../scripts/preload-timeline-plugin';

const repo = resolve(__dirname, '../..');
export default defineConfig({
  root: resolve(repo, 'src/renderer'),
  base: './',
  plugins: [react(), preloadTimelineChunks()],
  logLevel: 'warn',
  build: {
    outDir: resolve(repo, 'out/renderer'),
    emptyOutDir: true,
    rollupOptions: { input: { index: resolve(repo, 'src/renderer/index.html') } },
  },
});
