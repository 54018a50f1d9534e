import { haveSharedTraces, onCI, sharedTraces } from './paths';

/** Runs once before all test files: one line about ../shared/traces when it is not there. */
export default function setup(): void {
  if (haveSharedTraces) return;
  if (onCI) {
    throw new Error(
      `${sharedTraces} is missing: CI must have the shared folder (traces/) beside the clone; the tests that read real traces cannot run without it.`,
    );
  }
  console.warn(
    `\n${sharedTraces} not found: the tests that read the real traces there are skipped. ` +
      'Put the shared folder (traces/) beside the checkout to run them (on CI, CI=true, they fail instead).\n',
  );
}
