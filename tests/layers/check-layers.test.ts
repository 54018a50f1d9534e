import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { checkLayers } from '../../scripts/check-layers.mjs';

const check = checkLayers as (srcDir?: string) => string[];
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A throwaway src/ tree with the given files. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

describe('check-layers (default-deny allow-list)', () => {
  it('passes on the project as it is', () => {
    expect(check()).toEqual([]);
  });

  it('refuses what the layers forbid, including dynamic imports, globals and unknown folders', () => {
    const v = check(
      tree({
        'core/model/a.ts': 'export const a = 1;\nconst d = globalThis.document;\nexport const w = window.innerWidth + d.title.length;',
        'core/query/b.ts': "export async function f() { return import('../../server/server'); }",
        'core/io/c.ts': "import { app } from 'electron';\nexport const c = app;",
        'core/util/d.ts': "import { readFileSync } from 'fs';\nexport const d = readFileSync;",
        'shared/e.ts': "import { a } from '../core/model/a';\nexport const e = a;",
        'shared/f.ts': "import type { a } from '../core/model/a';\nexport type F = typeof a;",
        'server/s.ts': 'export const s = 1;',
        'renderer/r.ts': "import { s } from '../server/s';\nexport const r = s;",
        'main/m.ts': "const name = 'x';\nexport const m = require(name);",
        'newfolder/n.ts': 'export const n = 1;',
        'cli/k.ts':
          'declare const page: { evaluate(f: () => unknown): void };\npage.evaluate(() => window.innerWidth);\nexport const k = 1;',
      }),
    );
    const text = v.join('\n');
    expect(text).toContain('src/core/model/a.ts:2: core may not use the host global globalThis.document');
    expect(text).toContain('src/core/model/a.ts:3: core may not use the host global window');
    expect(text).toContain('src/core/query/b.ts:1: core may not import server');
    expect(text).toContain("src/core/io/c.ts:1: core/io may not import 'electron'");
    expect(text).toContain("src/core/util/d.ts:1: core may not import 'fs'");
    expect(text).toContain('src/shared/e.ts:1: shared may not import core (../core/model/a) (only `import type` is allowed)');
    expect(text).not.toContain('src/shared/f.ts');
    expect(text).toContain('src/renderer/r.ts:1: renderer may not import server');
    expect(text).toContain('src/main/m.ts:2: computed import()/require() cannot be checked');
    expect(text).toContain('src/newfolder/n.ts:1: folder is in no layer');
    // Code passed to a browser page (screenshot CLI) runs there: not a host-global use.
    expect(text).not.toContain('src/cli/k.ts');
    expect(v).toHaveLength(9);
  });
});
