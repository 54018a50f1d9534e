import { describe, expect, it } from 'vitest';
import { compileLinearRegex, RegexSyntaxError } from '../../src/core/service/linear-regex';

/** Seeded PRNG (mulberry32): the same cases every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('linear-time search regex', () => {
  it('answers like RegExp(…, "i").test on the syntax search takes', () => {
    const names = [
      'ampere_sgemm_128x64_nn',
      'void at::native::vectorized_elementwise_kernel<4>',
      '[CUDA memcpy Host-to-Device]',
      'cudaLaunchKernel_v7000',
      'NCCL AllReduce',
      'step 12',
      '',
      'a\nb',
      'x-y_z.w',
    ];
    const patterns = [
      'gemm',
      '^amp',
      'nn$',
      'kernel<\\d>',
      '\\[CUDA memcpy (Host|Device)-to-',
      'v\\d{4}$',
      'all ?reduce',
      '^$',
      'a.b',
      'a\\sb',
      '[a-c]{2,}',
      '[^a-z_]',
      '\\bstep\\b',
      '\\Bep',
      'x\\-y',
      'sgemm_\\d+x\\d+_(nn|nt|tn)',
      '(?:at::)+native',
      '(?<ns>at)::',
      'launch.*?kernel',
      '\\x41mpere',
      '\\u0063uda',
      '[\\d\\s]+$',
      'z\\.w$',
      'e{0,1}l',
      'x|^$',
    ];
    for (const p of patterns) {
      const re = new RegExp(p, 'i');
      const lin = compileLinearRegex(p);
      for (const n of names) expect([p, n, lin.test(n)]).toEqual([p, n, re.test(n)]);
    }
  });

  it('agrees with RegExp on random patterns and names (seeded)', () => {
    const r = rng(11);
    const atoms = ['a', 'b', 'A', '.', '\\w', '\\d', '[ab]', '[^a]', '(a|b)', '(ab|a)', '\\b', '^', '$', '1', '_'];
    const quants = ['', '', '*', '+', '?', '{2}', '{1,2}', '*?'];
    for (let k = 0; k < 2000; k++) {
      let p = '';
      const len = 1 + Math.floor(r() * 5);
      for (let j = 0; j < len; j++) {
        const a = atoms[Math.floor(r() * atoms.length)];
        p += a + (a === '^' || a === '$' || a === '\\b' ? '' : quants[Math.floor(r() * quants.length)]);
      }
      let s = '';
      const sl = Math.floor(r() * 8);
      for (let j = 0; j < sl; j++) s += 'abAB1_ -'[Math.floor(r() * 8)];
      expect([p, s, compileLinearRegex(p).test(s)]).toEqual([p, s, new RegExp(p, 'i').test(s)]);
    }
  });

  it('^(\\w|\\w)*!$ on a long name answers at once (RegExp backtracks for 2^n steps)', () => {
    const re = compileLinearRegex('^(\\w|\\w)*!$');
    const t0 = Date.now();
    expect(re.test('a'.repeat(30_000))).toBe(false);
    expect(re.test(`${'a'.repeat(30_000)}!`)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('refuses what has no linear-time algorithm, and huge expansions, with one line', () => {
    expect(() => compileLinearRegex('(a)\\1')).toThrow(new RegexSyntaxError('backreferences (\\1, \\k<name>) are not supported in search'));
    expect(() => compileLinearRegex('a(?=b)')).toThrow(/lookahead and lookbehind .* are not supported in search/);
    expect(() => compileLinearRegex('(a{1000}){1000}')).toThrow(/pattern too large/);
    expect(() => compileLinearRegex('(')).toThrow(/missing \)/);
    expect(() => compileLinearRegex('*')).toThrow(/nothing to repeat/);
  });
});

describe('search over a real trace with a catastrophic pattern', () => {
  it('^(\\w|\\w)*!$ against streams.sqlite names answers at once (RegExp never returned: 120-character \\w runs)', async () => {
    const { openTrace } = await import('../../src/core/io/open-trace');
    const { searchEvents } = await import('../../src/core/service/search');
    const { model } = await openTrace(`${__dirname}/../fixtures/nsys-2025.3/streams.sqlite`);
    const t0 = Date.now();
    expect(searchEvents(model, { text: '^(\\w|\\w)*!$', regex: true }).total).toBe(0);
    expect(searchEvents(model, { text: '^sm80_(\\w|\\w)*cublas$', regex: true }).total).toBe(48);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
