// Builds out/renderer once (when missing or older than its sources) before any browser test file
// runs, instead of each file racing for the build lock.
import { ensureRendererBuilt } from './browser';

export default function setup(): void {
  ensureRendererBuilt();
}
