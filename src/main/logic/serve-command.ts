import { basename } from 'node:path';
import { nsToMsText } from '../../core/util/window-fragment';

/**
 * "Copy link" in the desktop app: the command that reopens this window in a browser,
 * `nsys-viewer serve FILE --from MS --to MS` (ms since session start, exact to the ns, as the serve
 * page's #from=…&to=… fragment). Built in main from the path main opened: the page never sees it.
 */

/**
 * One argument for a shell to read back unchanged. POSIX shells: bare when it holds only characters
 * no shell treats specially, else single quotes, a ' inside written as '\''. Windows (cmd and
 * PowerShell): double quotes when it holds a space or a character either treats specially
 * (Windows paths cannot hold `"`; `%`, `$` and backtick are left as they are, which cmd and PowerShell
 * may expand — such paths are rare, and the whole command is shown to the user before it runs).
 */
export function shellQuote(arg: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return /^[A-Za-z0-9_\\/.:,+=@-]+$/.test(arg) ? arg : `"${arg}"`;
  if (arg !== '' && /^[A-Za-z0-9_/.,:+=@%-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export interface ServeCommand {
  /** What goes on the clipboard: the full path, quoted for the platform's shell. */
  command: string;
  /** What the page may show: the same with the file name only. */
  shown: string;
}

export function serveCommand(path: string, fromNs: number, toNs: number, platform: NodeJS.Platform = process.platform): ServeCommand {
  const window = `--from ${nsToMsText(fromNs)} --to ${nsToMsText(toNs)}`;
  const name = platform === 'win32' ? (path.split(/[\\/]/).pop() ?? path) : basename(path);
  return {
    command: `nsys-viewer serve ${shellQuote(path, platform)} ${window}`,
    shown: `nsys-viewer serve ${shellQuote(name, platform)} ${window}`,
  };
}
