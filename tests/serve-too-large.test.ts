import { copyFileSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { main } from '../src/cli/nsys-viewer';
import { tracePath } from './helpers/paths';

const root = mkdtempSync(join(tmpdir(), 'nsys-viewer-serve-big-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Issue 15: `serve` on an export over sql.js's limit printed its URL, then exited.
it('serve refuses an export over 2 GiB before printing any URL (a sparse file: no disk used)', async () => {
  const f = join(root, 'huge.sqlite');
  copyFileSync(tracePath('tests/fixtures/nsys-2025.3/multiproc.sqlite'), f);
  truncateSync(f, 3 * 2 ** 30);
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['serve', f], { out: (t) => out.push(t), err: (t) => err.push(t) });
  expect(code).not.toBe(0);
  expect(out.join('')).toBe('');
  expect(err.join('')).toBe(
    'nsys-viewer serve: huge.sqlite is 3.00 GiB; nsys-viewer loads exports into memory and reads up to 2 GiB. Record a shorter window (nsys profile --capture-range or --duration) or fewer trace types (-t), then open that.\n',
  );
});
