import { pathToFileURL } from 'node:url';

export interface AppOrigin {
  /** Absolute path of the packaged renderer page (out/renderer/index.html). */
  rendererFile: string;
  /** electron-vite's dev server (ELECTRON_RENDERER_URL); only ever set when the app is not packaged. */
  devUrl?: string;
}

const MAX_URL_CHARS = 8192;

/**
 * Whether an IPC message comes from our own page: the sender frame's URL is exactly our renderer
 * file (any query or hash) or, in development, a page of the dev server's origin. Anything else
 * (a frame navigated elsewhere, an iframe of another origin, file:///etc/passwd, a look-alike path
 * with ../ segments) is refused. The URL parser normalises dot segments before we compare.
 */
export function isAllowedSenderUrl(url: unknown, origin: AppOrigin): boolean {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL_CHARS) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'file:') {
    const expected = pathToFileURL(origin.rendererFile);
    return u.host === expected.host && u.pathname === expected.pathname && u.username === '' && u.password === '';
  }
  if (origin.devUrl && (u.protocol === 'http:' || u.protocol === 'https:')) {
    try {
      return u.origin === new URL(origin.devUrl).origin && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }
  return false;
}
