import { describe, expect, it } from 'vitest';
import { openTrace } from '../../src/core/io/open-trace';
import { msTextToNs, nsToMsText, parseWindowFragment, windowFragment } from '../../src/core/util/window-fragment';
import { resolve } from 'node:path';

describe('#from=…&to=… (ms since session start, exact to the ns)', () => {
  it('every event boundary of a real trace round-trips through the fragment text', async () => {
    const { model } = await openTrace(resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite'));
    const k = model.kernels;
    let n = 0;
    for (let i = 0; i < k.count; i++) {
      const w = parseWindowFragment(windowFragment(k.startNs[i], k.endNs[i]));
      if (w?.fromNs !== k.startNs[i] || w.toNs !== k.endNs[i]) throw new Error(`kernel ${i}: ${JSON.stringify(w)}`);
      n++;
    }
    expect(n).toBe(k.count);
    expect(n).toBeGreaterThan(100);
  });

  it('reads decimals as text: digits past the ns round half away from zero; anything else is no window', () => {
    expect(msTextToNs('8440.000123')).toBe(8440000123);
    expect(msTextToNs('0.0000005')).toBe(1);
    expect(msTextToNs('0.000000499')).toBe(0);
    expect(msTextToNs('-1.5')).toBe(-1500000);
    for (const bad of ['', '1e3', '0x10', '1.', '.5', 'NaN', '1,5', '9999999999999999']) expect(msTextToNs(bad), bad).toBeNull();
    expect(nsToMsText(8440000000)).toBe('8440');
    expect(nsToMsText(-1)).toBe('-0.000001');
    expect(parseWindowFragment('#from=2&to=1')).toBeNull();
    expect(parseWindowFragment('#to=1')).toBeNull();
    expect(parseWindowFragment('#from=1&to=2&x=3')).toEqual({ fromNs: 1e6, toNs: 2e6 });
  });
});
