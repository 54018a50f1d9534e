import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');
/** Larger real traces live beside the clone (CI has ../shared too), never in git. */
export const sharedTraces = resolve(repoRoot, '../shared/traces');
/** CI sets CI=true; there a missing ../shared/traces fails the run instead of skipping tests. */
export const onCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
export const haveSharedTraces = existsSync(sharedTraces);

/** A repo-relative path (tests/fixtures/...) or one under ../shared/traces ("shared:NAME"). */
export function tracePath(p: string): string {
  if (p.startsWith('shared:')) return resolve(sharedTraces, p.slice('shared:'.length));
  return resolve(repoRoot, p);
}

export function requireFile(path: string): string {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the tests read real traces from tests/fixtures and ${sharedTraces} (put the shared traces folder beside the clone).`,
    );
  }
  return path;
}
