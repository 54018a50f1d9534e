/**
 * The numbers of `nsys stats` (checked against nsys 2025.3 CSVs): its report scripts aggregate in
 * SQLite with nsys's own median/stdev functions, round with SQLite's round(x, 1) and Python's csv
 * module writes the result. These helpers reproduce each step so our CSV text is byte-identical.
 */

/** Count, sum, mean, median, min, max and sample standard deviation of one group of values. */
export interface Summary {
  count: number;
  /** Exact while below 2^53 (durations in ns: ~104 days). */
  total: number;
  mean: number;
  median: number;
  min: number;
  max: number;
  /** Sample (n - 1) standard deviation; 0 for fewer than two values, as nsys's stdev() gives. */
  stdev: number;
}

/**
 * Sorts ascending in place. A typed array sorts natively: the comparator sort of a 500k-value
 * group (one kernel name in many_kernels) took ~1 s of the summary's checks; the order is the same.
 */
function sortNumbers(values: number[] | Float64Array): void {
  if (values instanceof Float64Array) values.sort();
  else if (values.length < 64) values.sort((a, b) => a - b);
  else {
    const sorted = Float64Array.from(values).sort();
    for (let i = 0; i < sorted.length; i++) values[i] = sorted[i];
  }
}

/** Summarises `values` (sorts it in place). Empty input gives count 0 and NaN statistics. */
export function summarize(values: number[] | Float64Array): Summary {
  const n = values.length;
  if (n === 0) return { count: 0, total: 0, mean: NaN, median: NaN, min: NaN, max: NaN, stdev: 0 };
  sortNumbers(values);
  let total = 0;
  for (let i = 0; i < n; i++) total += values[i];
  const mean = total / n;
  return { count: n, total, mean, median: medianOfSorted(values), min: values[0], max: values[n - 1], stdev: sampleStdev(values, mean) };
}

/** Middle value, or the mean of the two middle values for an even count (like nsys's median()). */
export function medianOfSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = n >> 1;
  return n % 2 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
}

/**
 * Sample standard deviation, two-pass (sum of squared deviations from the mean / (n - 1)): the
 * one-pass sum-of-squares form loses digits on large ns durations (values ~1e9, squares ~1e18).
 */
export function sampleStdev(values: ArrayLike<number>, mean = meanOf(values)): number {
  const n = values.length;
  if (n < 2) return 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
}

function meanOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/**
 * SQLite's round(x, 1) as Python prints the result: "3725117.6", "0.0", "83060.0". SQLite rounds
 * the double half away from zero on its exact binary value, which is what Number#toFixed does
 * (e.g. 0.25 → "0.3", where Python's round() would give 0.2). NaN (SQL NULL) prints as "".
 */
export function round1(x: number): string {
  if (Number.isNaN(x)) return '';
  const s = x.toFixed(1);
  return s === '-0.0' ? '0.0' : s;
}

/** round(part * 100.0 / whole, 1) as the reports' "Time (%)" column; "" when whole is 0 (NULL in SQL). */
export function percent1(part: number, whole: number): string {
  if (whole === 0) return '';
  return round1((part * 100) / whole);
}

/**
 * Python's `format(x, '.Nf')`: correctly rounded on the exact binary value, ties to even. JS
 * toFixed agrees except on exact ties (0.0625 → Python "0.062", toFixed "0.063"), so ties are
 * detected on the exact decimal expansion (toFixed is exact up to 100 digits).
 */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const fixed = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 40));
  const cut = exact.indexOf('.') + 1 + digits;
  const tail = exact.slice(cut);
  if (/^50*$/.test(tail)) {
    // A tie: keep the truncated value when its last digit is even, else take toFixed's (away from zero).
    const truncated = exact.slice(0, digits === 0 ? cut - 1 : cut);
    const last = Number(truncated[truncated.length - 1]);
    if (last % 2 === 0) return (x < 0 ? '-' : '') + truncated;
  }
  return fixed;
}

/** Bytes → MB (10^6) with three decimals, as nsys formats "mem_B" columns in cuda_gpu_mem_size_sum. */
export function megabytes3(bytes: number): string {
  return pyFixed(bytes / 1e6, 3);
}

/**
 * SQLite's default BINARY collation compares UTF-8 bytes; JS `<` compares UTF-16 code units.
 * They differ only between astral characters (surrogates) and U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? (y >= 0xe000 ? 1 : x - y) : x >= 0xe000 ? -1 : x - y;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * The CUDA API name as cuda_api_sum and cuda_kern_exec_sum print it: their SQL drops a trailing
 * "_vNNNN" (CASE substr(name, -6, 2) WHEN '_v' ...). "cudaLaunchKernelExC_v11060" keeps its
 * suffix, since its last six characters start "v1", not "_v".
 */
export function apiDisplayName(name: string): string {
  return name.length >= 6 && name.substr(name.length - 6, 2) === '_v' ? name.slice(0, name.length - 6) : name;
}
