/** Human-readable duration with adaptive unit: 12 ns, 3.456 µs, 1.234 ms, 2.500 s. */
export function formatDurationNs(ns: number): string {
  const a = Math.abs(ns);
  if (a < 1e3) return `${Math.round(ns)} ns`;
  if (a < 1e6) return `${(ns / 1e3).toFixed(3)} µs`;
  if (a < 1e9) return `${(ns / 1e6).toFixed(3)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** Bytes as decimal units (nsys stats uses MB = 10^6 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(3)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(3)} MB`;
  return `${(bytes / 1e9).toFixed(3)} GB`;
}

/** Decimal GB/s from bytes and ns: bytes / ns is exactly GB/s. */
export function gbPerSecond(bytes: number, durNs: number): number {
  return durNs > 0 ? bytes / durNs : 0;
}

/** Narrow no-break space: groups fractional digits (SI style) without letting a number wrap. */
const GROUP = '\u202f';

/**
 * An integer ns time or duration, exact to the ns, in the unit that reads best: the largest of
 * s / ms / µs whose integer part is non-zero, every fractional digit down to the ns, grouped by
 * three, trailing all-zero groups dropped (a group is kept whole): 3104 → "3.104 µs",
 * 25011234567 → "25.011 234 567 s", 1500000000 → "1.500 s", 812 → "812 ns".
 * formatDurationNs rounds to three decimals for tables; tooltips and details use this one, so a
 * 3 µs kernel 25 s into the trace no longer reads "25.011 s → 25.011 s".
 */
export function formatNsExact(ns: number): string {
  const n = Math.round(ns);
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  if (a < 1e3) return `${sign}${a} ns`;
  const [digits, unit] = a >= 1e9 ? [9, 's'] : a >= 1e6 ? [6, 'ms'] : [3, 'µs'];
  const scale = 10 ** digits;
  const whole = Math.floor(a / scale);
  const groups = String(a - whole * scale)
    .padStart(digits, '0')
    .match(/\d{3}/g)!;
  while (groups.length > 1 && groups[groups.length - 1] === '000') groups.pop();
  return `${sign}${whole}.${groups.join(GROUP)} ${unit}`;
}
