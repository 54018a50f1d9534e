import { describe, it } from 'vitest';
import { haveSharedTraces, onCI } from './paths';

/**
 * `it` / `describe` for tests that read ../shared/traces (real traces too big for git). Without that
 * folder they are skipped locally, and tests/helpers/global-setup.ts says why once; on CI they run
 * (and the global setup fails the run first, with one line).
 */
export const itShared = haveSharedTraces || onCI ? it : it.skip;
export const describeShared = haveSharedTraces || onCI ? describe : describe.skip;
