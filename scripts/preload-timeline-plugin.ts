import type { Plugin } from 'vite';

/**
 * Adds `<link rel="modulepreload">` to index.html for the timeline's chunks (the one that
 * `src/renderer/ui/viewer.tsx` starts and the chunks it imports, pixi's among them), so the browser
 * fetches them while it evaluates the shell. The page imports them only after it has asked for the
 * trace list (ui/app.tsx), and a modulepreload fetches without evaluating. Measured under `serve` on
 * the loaded 2-core machine, the pixi chunk's fetch took 0.6–0.7 s when asked for only then (serve's
 * thread is the open's host), time the page spent idle on the first frame's path (issue 15).
 * Used by electron.vite.config.ts and tests/e2e/vite.renderer.config.ts alike.
 */
export function preloadTimelineChunks(): Plugin {
  return {
    name: 'nsys-preload-timeline-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return html;
        const entryDeps = new Set<string>();
        const files: string[] = [];
        const walk = (fileName: string, into: (f: string) => boolean) => {
          const c = bundle[fileName];
          if (!c || c.type !== 'chunk' || !into(fileName)) return;
          for (const f of c.imports) walk(f, into);
        };
        for (const c of Object.values(bundle))
          if (c.type === 'chunk' && c.isEntry) walk(c.fileName, (f) => !entryDeps.has(f) && Boolean(entryDeps.add(f)));
        const viewer = Object.values(bundle).find((c) => c.type === 'chunk' && c.facadeModuleId?.endsWith('/src/renderer/ui/viewer.tsx'));
        if (!viewer)
          throw new Error(
            'preloadTimelineChunks: no chunk for src/renderer/ui/viewer.tsx (is it still imported dynamically by ui/app.tsx?)',
          );
        walk(viewer.fileName, (f) => !entryDeps.has(f) && !files.includes(f) && files.push(f) > 0);
        return {
          html,
          tags: files.map((f) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: true, href: `./${f}` },
            injectTo: 'head' as const,
          })),
        };
      },
    },
  };
}
