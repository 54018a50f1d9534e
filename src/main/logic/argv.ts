import { posix, win32 } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTraceExtension, isPathString } from '../../shared/ipc';

export interface ArgvOptions {
  /** Working directory of the invocation that produced argv (second-instance passes the other one's). */
  cwd: string;
  /**
   * process.defaultApp: true under `electron .` / `electron-vite preview`, where the first
   * non-flag argument is the app folder, not a file to open.
   */
  defaultApp: boolean;
  /** process.platform: decides path rules (tests pass 'win32' on Linux). */
  platform: string;
}

export interface ArgvFiles {
  /** Absolute paths of traces to open, in order, without repeats. */
  files: string[];
  /** Non-flag arguments that are not traces (for a log line; the user may have mistyped). */
  ignored: string[];
}

/**
 * Files to open from a command line. argv[0] is the executable; Electron and Chromium add their own
 * switches (--no-sandbox, --inspect=9229, and --original-process-start-time=… in second-instance argv),
 * and macOS Finder adds -psn_0_123: every "-…" argument is a switch, except after a lone "--".
 * Linux desktop launchers may pass file:// URLs (%U). Relative paths are resolved against the cwd of
 * the invocation that named them.
 */
export function filesFromArgv(argv: readonly unknown[], opts: ArgvOptions): ArgvFiles {
  const path = opts.platform === 'win32' ? win32 : posix;
  const files: string[] = [];
  const ignored: string[] = [];
  let skipAppPath = opts.defaultApp;
  let afterDashDash = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!isPathString(a)) continue;
    if (!afterDashDash && a === '--') {
      afterDashDash = true;
      continue;
    }
    if (!afterDashDash && a.startsWith('-')) continue;
    if (skipAppPath) {
      skipAppPath = false;
      continue;
    }
    let p: string = a;
    if (/^file:\/\//i.test(a)) {
      try {
        p = fileURLToPath(a, { windows: opts.platform === 'win32' });
      } catch {
        ignored.push(a);
        continue;
      }
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(a)) {
      // http://, javascript://…: never a local file.
      ignored.push(a);
      continue;
    }
    const abs = path.resolve(opts.cwd, p);
    if (!hasTraceExtension(abs)) {
      ignored.push(a);
      continue;
    }
    if (!files.includes(abs)) files.push(abs);
  }
  return { files, ignored };
}
