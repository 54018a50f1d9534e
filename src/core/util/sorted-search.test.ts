import { describe, expect, it } from 'vitest';
import { lowerBound, lowerBoundOf, upperBoundOf } from './sorted-search';
import { StringInterner } from './string-interner';

describe('sorted search', () => {
  it('finds the first position at or after / after a value, ties included', () => {
    const a = Float64Array.from([1, 3, 3, 7]);
    expect([0, 1, 2, 3, 7, 8].map((v) => lowerBoundOf(a, v))).toEqual([0, 0, 1, 1, 3, 4]);
    expect([0, 1, 3, 6, 7, 8].map((v) => upperBoundOf(a, v))).toEqual([0, 1, 3, 3, 4, 4]);
  });

  it("searches an index list by its events' values without copying", () => {
    const startNs = Float64Array.from([50, 10, 30]);
    const sorted = Int32Array.from([1, 2, 0]); // by start: 10, 30, 50
    expect(lowerBound(sorted.length, (p) => startNs[sorted[p]], 30)).toBe(1);
    expect(lowerBound(sorted.length, (p) => startNs[sorted[p]], 31)).toBe(2);
  });
});

describe('StringInterner', () => {
  it('gives one id per distinct string, appending after what it was given', () => {
    const table = new StringInterner(['a', 'b']);
    expect(table.intern('c')).toBe(2);
    expect(table.intern('d')).toBe(3);
    expect(table.intern('c')).toBe(2);
    expect(table.strings).toEqual(['a', 'b', 'c', 'd']);
  });
});
