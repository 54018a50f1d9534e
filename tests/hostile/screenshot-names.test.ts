import { describe, expect, it } from 'vitest';
import { fit, parseRows, pngFileName, rowPattern, wrapLabel } from '../../src/renderer/screenshot/capture';
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

  it('a row name wider than the widest label column wraps onto two lines at a space, losing nothing when two hold it', () => {
    let calls = 0;
    const g = {
      measureText: (t: string) => {
        calls++;
        return { width: t.length * 7 } as TextMetrics;
      },
    };
    const name = 'a-thread-name-of-forty-characters-xxxxx (123456) · OS runtime';
    const w = wrapLabel(g, name, 300); // 61 characters × 7 = 427 px; a line holds 42
    expect(w).toEqual({ lines: ['a-thread-name-of-forty-characters-xxxxx', '(123456) · OS runtime'], truncated: false });
    expect(w.lines.join(' ')).toBe(name);
    for (const l of w.lines) expect(l.length * 7).toBeLessThanOrEqual(300);
    // A 30,000-character name: two full lines, the second ellipsized, in few measurements.
    calls = 0;
    const huge = 'NVIDIA H100 '.repeat(2500);
    const h = wrapLabel(g, huge, 300);
    expect(h.truncated).toBe(true);
    expect(h.lines).toHaveLength(2);
    for (const l of h.lines) expect(l.length * 7).toBeLessThanOrEqual(300);
    expect(calls).toBeLessThan(60);
    // One word longer than the line is cut where the line ends.
    const word = 'x'.repeat(60);
    expect(wrapLabel(g, word, 300)).toEqual({ lines: ['x'.repeat(41), 'x'.repeat(19)], truncated: false });
  });

  it('--rows names are kinds, all, or patterns over row names matched literally', () => {
    expect(parseRows(['kernels', 'API', 'all', 'Main*'])).toMatchObject({ kinds: ['kernel', 'cuda-api'], all: true });
    expect(parseRows(undefined).all).toBe(true);
    const s7 = rowPattern('GPU 0 · S7*');
    expect(s7.test('GPU 0 · S7 · Kernels')).toBe(true);
    expect(s7.test('GPU 0 · S17 · Kernels')).toBe(false);
    // No wildcard: a substring, any case; regex characters in names are literal.
    expect(rowPattern('mainthread').test('python3 › MainThread (34) · CUDA API')).toBe(true);
    expect(rowPattern('a.b(').test('a.b( (7) · NVTX')).toBe(true);
    expect(rowPattern('a.b(').test('axb( (7) · NVTX')).toBe(false);
    expect(rowPattern('[x]?').test('[x]1')).toBe(true);
  });
});
