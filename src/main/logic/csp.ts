/**
 * Content-Security-Policy for every response the app's session receives, on top of the meta tag in
 * src/renderer/index.html (a header also covers the dev server's pages and anything a frame loads).
 * Production is the meta tag's policy plus frame-ancestors (ignored in meta). Development (never a
 * packaged app) adds only what electron-vite's dev server needs: its origin, its HMR websocket and
 * the inline React Refresh preamble.
 */
export const PRODUCTION_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

export function buildCsp(devUrl?: string): string {
  const d: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(PRODUCTION_CSP_DIRECTIVES)) d[k] = [...v];
  if (devUrl) {
    const u = new URL(devUrl);
    const ws = `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}`;
    // @vitejs/plugin-react's dev server puts an inline React Refresh preamble at the top of
    // index.html (before the page's meta CSP, which therefore does not block it; this header would).
    d['script-src'].push(u.origin, "'unsafe-inline'");
    d['style-src'].push(u.origin);
    d['connect-src'].push(u.origin, ws);
  }
  return Object.entries(d)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

/** Parses a policy into directive → sources (for comparing the header with the page's meta tag). */
export function parseCsp(csp: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), sources);
  }
  return out;
}

/** Response headers with our policy replacing any the response carried (whatever its key's case). */
export function withCspHeader(headers: Record<string, string[] | string> | undefined, csp: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === 'content-security-policy') continue;
    out[k] = Array.isArray(v) ? v : [v];
  }
  out['Content-Security-Policy'] = [csp];
  return out;
}
