import { describe, expect, it } from 'vitest';
import { openSqliteFile } from '../src/core/io/open-sqlite';
import { KERNEL_CATEGORIES, kernelCategory, type KernelCategory } from '../src/core/util/kernel-category';
import { allSharedSqlite } from './helpers/shared-sqlite';

/** Distinct short and demangled kernel names of one export (older schemas name the same columns). */
async function kernelNames(path: string): Promise<string[]> {
  const db = await openSqliteFile(path);
  try {
    if (!db.hasTable('CUPTI_ACTIVITY_KIND_KERNEL')) return [];
    const cols = db.tableColumns('CUPTI_ACTIVITY_KIND_KERNEL').filter((c) => c === 'shortName' || c === 'demangledName');
    const sql = cols
      .map((c) => `SELECT s.value FROM (SELECT DISTINCT ${c} AS id FROM CUPTI_ACTIVITY_KIND_KERNEL) k JOIN StringIds s ON s.id = k.id`)
      .join(' UNION ');
    return db.rows(sql).map((r) => String(r[0]));
  } finally {
    db.close();
  }
}

// Every distinct kernel name of every real export we have, with its category: a change to the rule
// table shows up as a reviewable diff here (`npx vitest run tests/kernel-category-corpus.test.ts -u`).
// Each line was read and judged when the table was written.
describe('kernel categories over ../shared', () => {
  it('matches the reviewed name → category snapshot', async () => {
    const names = new Set<string>();
    const files = allSharedSqlite();
    for (const f of files) for (const n of await kernelNames(f.path)) names.add(n);
    expect(files.length).toBeGreaterThanOrEqual(15);
    const byCat = new Map<KernelCategory, string[]>(KERNEL_CATEGORIES.map((c) => [c, []]));
    for (const n of names) byCat.get(kernelCategory(n))?.push(n);
    const lines: string[] = [];
    for (const [cat, list] of byCat) for (const n of list.sort()) lines.push(`${cat.padEnd(11)} | ${n}`);
    await expect(`${lines.join('\n')}\n`).toMatchFileSnapshot('snapshots/kernel-categories.txt');
    // Every category the LLM traces need is represented by real names, not only by made-up ones.
    for (const cat of KERNEL_CATEGORIES) expect(byCat.get(cat)?.length, cat).toBeGreaterThan(0);
  }, 120_000);
});
