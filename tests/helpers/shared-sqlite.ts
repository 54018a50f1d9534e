import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { repoRoot, requireFile, sharedTraces } from './paths';

export const sharedCorpus = resolve(repoRoot, '../shared/corpus');

/**
 * A `.sqlite.xz` from ../shared unpacked once into the OS temp folder (never beside the shared
 * file); the copy is reused while its size and the source's mtime say it is complete and current.
 */
export function unpackedXz(xzPath: string): string {
  requireFile(xzPath);
  const dir = join(tmpdir(), 'nsys-viewer-tests');
  mkdirSync(dir, { recursive: true });
  const src = statSync(xzPath);
  const out = join(dir, `${basename(xzPath, '.xz')}.${Math.round(src.mtimeMs)}`);
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}.part`;
    execFileSync('sh', ['-c', 'xz -dc "$1" > "$2"', 'sh', xzPath, tmp]);
    renameSync(tmp, out);
  }
  return out;
}

/** Path of a shared trace by file name; `.sqlite.xz` ones are unpacked first. */
export function sharedSqlite(name: string): string {
  const p = resolve(sharedTraces, name);
  if (existsSync(p)) return p;
  return unpackedXz(requireFile(`${p}.xz`));
}

/** Every SQLite export under ../shared/traces and ../shared/corpus (xz ones unpacked), by display name. */
export function allSharedSqlite(): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  const walk = (dir: string, label: string) => {
    for (const e of readdirSync(requireFile(dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, `${label}/${e.name}`);
      else if (e.name.endsWith('.sqlite')) out.push({ name: `${label}/${e.name}`, path: p });
      else if (e.name.endsWith('.sqlite.xz')) out.push({ name: `${label}/${e.name}`, path: unpackedXz(p) });
    }
  };
  walk(sharedTraces, 'traces');
  walk(sharedCorpus, 'corpus');
  return out;
}
