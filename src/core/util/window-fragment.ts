import type { Ns } from '../model/types';

/**
 * The `serve` page's URL fragment `#from=MS&to=MS`: the timeline window in ms since session start,
 * the unit of every `--from/--to` flag (export-csv, screenshot, serve), written with up to six
 * decimals so it is exact to the ns ("8440.000123" is 8440000123 ns). A link opens at that window
 * and the page rewrites the fragment (history.replaceState, debounced) as the user pans and zooms,
 * so the address bar can be copied at any time. Parsing goes through the decimal text, not a float
 * multiply, so every integer ns round-trips.
 */
export interface UrlWindow {
  fromNs: Ns;
  toNs: Ns;
}

/** "8440.000123" → 8440000123; null for anything that is not a plain decimal number of ms. */
export function msTextToNs(text: string): number | null {
  const m = /^(-?)(\d{1,15})(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!m) return null;
  const frac = (m[3] ?? '').padEnd(9, '0');
  // Whole ns from the first six fractional digits; digits past the ns round half away from zero.
  const ns = Number(m[2]) * 1e6 + Number(frac.slice(0, 6)) + (Number(frac.slice(6)) >= 500 ? 1 : 0);
  if (!Number.isSafeInteger(ns)) return null;
  return m[1] ? -ns : ns;
}

/** 8440000123 → "8440.000123", 8440000000 → "8440": exact, without trailing zeros. */
export function nsToMsText(ns: number): string {
  const n = Math.round(ns);
  const a = Math.abs(n);
  const whole = Math.floor(a / 1e6);
  const frac = String(a - whole * 1e6)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return `${n < 0 && a > 0 ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** The window a fragment asks for (ns since session start), or null when it names none or a bad one. */
export function parseWindowFragment(hash: string): UrlWindow | null {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const from = p.get('from');
  const to = p.get('to');
  if (from === null || to === null) return null;
  const fromNs = msTextToNs(from);
  const toNs = msTextToNs(to);
  if (fromNs === null || toNs === null || toNs <= fromNs) return null;
  return { fromNs, toNs };
}

/** `#from=…&to=…` for a window in ns since session start (rounded to whole ns). */
export function windowFragment(fromNs: Ns, toNs: Ns): string {
  return `#from=${nsToMsText(fromNs)}&to=${nsToMsText(toNs)}`;
}
