import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from './wire-codec';

describe('wire codec', () => {
  it('round-trips nested typed arrays as aligned zero-copy views', () => {
    const value = {
      ok: true,
      value: [
        {
          trackId: 'gpu/0/34/7/kernel',
          count: 3,
          startNs: new Float64Array([1, 2.5, 7397943224]),
          depth: new Uint16Array([0, 1, 2]),
          name: 'x',
        },
        { trackId: 'b', count: 1, busy: new Float32Array([0.25]), nameId: new Int32Array([-1]) },
      ],
    };
    const bytes = encodeMessage(value);
    const copy = new Uint8Array(bytes).buffer;
    const back = decodeMessage(copy) as {
      value: { startNs: Float64Array; depth: Uint16Array; busy: Float32Array; nameId: Int32Array; name: string }[];
    };
    expect(back.value[0].startNs).toBeInstanceOf(Float64Array);
    expect([...back.value[0].startNs]).toEqual([1, 2.5, 7397943224]);
    expect([...back.value[0].depth]).toEqual([0, 1, 2]);
    expect([...back.value[1].busy]).toEqual([0.25]);
    expect([...back.value[1].nameId]).toEqual([-1]);
    expect(back.value[0].name).toBe('x');
    expect(back.value[0].startNs.buffer).toBe(copy);
  });

  it('rejects truncated messages', () => {
    expect(() => decodeMessage(new ArrayBuffer(2))).toThrow(/too short/);
    const b = new ArrayBuffer(8);
    new DataView(b).setUint32(0, 100, true);
    expect(() => decodeMessage(b)).toThrow(/truncated/);
  });
});
