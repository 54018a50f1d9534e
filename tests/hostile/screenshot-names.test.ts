import { describe, expect, it } from 'vitest';
import { fit, pngFileName } from '../../src/renderer/screenshot/capture';
import { isSaveFileName } from '../../src/shared/ipc';
import type { TraceInfo } from '../../src/shared/bridge';

describe('screenshot names and labels from hostile traces', () => {
  it('Save PNG names pass the desktop save guard whatever the trace is called', () => {
    const info = (name: string) => ({ name, sessionStartNs: 0 }) as unknown as TraceInfo;
    for (const name of [
      '.hidden.sqlite',
      '-x.nsys-rep',
      'a..b.sqlite',
      '..',
      '...sqlite',
      '-',
      'é€.sqlite',
      'x'.repeat(300),
      'streams.sqlite',
    ]) {
      const file = pngFileName(info(name), 8_140_000_000, 8_460_000_000);
      expect([name, isSaveFileName(file)]).toEqual([name, true]);
    }
    expect(pngFileName(info('streams.sqlite'), 8_140_000_000, 8_460_000_000)).toBe('streams_8140.000-8460.000ms.png');
    expect(pngFileName(info('-x.nsys-rep'), 8_140_000_000, 8_460_000_000)).toBe('_x_8140.000-8460.000ms.png');
  });

  it('a 30,000-character label is fitted with a logarithmic number of measurements (it was one per character)', () => {
    let calls = 0;
    // 7 px per character, like a monospace 12 px font.
    const g = {
      measureText: (t: string) => {
        calls++;
        return { width: t.length * 7 } as TextMetrics;
      },
    };
    const text = 'NVIDIA H100 '.repeat(2500);
    const label = fit(g, text, 200);
    expect(label).toBe(`${text.slice(0, 27)}…`); // 28 × 7 = 196 ≤ 200; one more character would be 203
    expect(calls).toBeLessThan(20);
    expect(fit(g, 'short', 200)).toBe('short');
  });
});
