import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { requireFile } from './paths';

/**
 * A shared trace kept as .sqlite.xz (tp2_decode, many_kernels), unpacked once per machine into the
 * temp folder (never beside the shared original) and reused while it is newer than the .xz.
 * Written under a temp name and renamed, so parallel test files never read a half-written copy.
 */
export function unpackedXz(xzPath: string): string {
  requireFile(xzPath);
  const dir = join(tmpdir(), 'nsys-viewer-test-traces');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, basename(xzPath).replace(/\.xz$/, ''));
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(xzPath).mtimeMs) return out;
  const part = `${out}.${process.pid}.part`;
  execFileSync('sh', ['-c', 'xz -dc "$1" > "$2"', 'sh', xzPath, part]);
  renameSync(part, out);
  return out;
}
