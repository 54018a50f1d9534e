/**
 * Binary searches over ascending arrays, the one copy the engine and the renderer share. `key` maps
 * a position to the value compared (an index list sorted by its events' starts, for instance), so
 * the same search serves plain arrays and index lists without copying.
 */
export function lowerBound(length: number, key: (p: number) => number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position p with key(p) > value. */
export function upperBound(length: number, key: (p: number) => number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position with a[p] >= value (a ascending). */
export function lowerBoundOf(a: ArrayLike<number>, value: number): number {
  return lowerBound(a.length, (p) => a[p], value);
}

/** First position with a[p] > value (a ascending). */
export function upperBoundOf(a: ArrayLike<number>, value: number): number {
  return upperBound(a.length, (p) => a[p], value);
}
