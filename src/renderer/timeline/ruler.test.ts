import { describe, expect, it } from 'vitest';
import { formatCursorTime, niceStep, rulerTicks } from './ruler';

describe('ruler', () => {
  it('picks 1-2-5 steps at least 90 px apart', () => {
    expect(niceStep(1e7)).toBe(1e9); // 10 ms per px → 1 s ticks
    expect(niceStep(1000)).toBe(1e5);
    expect(niceStep(0.01)).toBe(1);
  });

  it('labels the whole streams trace in seconds and a deep zoom as offsets from a base', () => {
    // streams.sqlite: events 107505876 .. 9641256336 ns, 1160 px wide
    const fit = rulerTicks(107505876, 9641256336, 1160, 0);
    expect(fit.ticks.map((t) => t.label)).toEqual(['1 s', '2 s', '3 s', '4 s', '5 s', '6 s', '7 s', '8 s', '9 s']);
    expect(fit.base).toBeNull();
    // 900 µs around the first HtoD copy (8143930890 ns)
    const deep = rulerTicks(8143800000, 8144700000, 1160, 0);
    expect(deep.stepNs).toBe(1e5);
    expect(deep.base).toBe('8.14 s');
    expect(deep.ticks[0].label).toBe('+3800 µs');
    expect(deep.ticks[0].t).toBe(8143800000);
  });

  it('formats the cursor with 9 significant digits', () => {
    expect(formatCursorTime(8144274052)).toBe('8.144274052 s');
    expect(formatCursorTime(1500)).toBe('1.500 µs');
  });
});
