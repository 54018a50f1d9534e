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
