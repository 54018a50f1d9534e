import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { serveCommand, shellQuote } from '../../src/main/logic/serve-command';

/** What /bin/sh reads back from a quoted argument (printf prints its first argument's operand unchanged). */
const throughSh = (quoted: string) => execFileSync('/bin/sh', ['-c', `printf '%s' ${quoted}`], { encoding: 'utf8' });

describe('Copy link command (main builds it; the page never sees the path)', () => {
  it('POSIX: a plain path stays bare; anything a shell would touch comes back unchanged through /bin/sh', () => {
    expect(shellQuote('/data/runs/streams.sqlite', 'linux')).toBe('/data/runs/streams.sqlite');
    for (const p of [
      '/data/my runs/streams.sqlite',
      "/data/it's/x.sqlite",
      '/data/$HOME/`id`/x.nsys-rep',
      '/data/a;b&c|d>e<f(g)/*?[x]~/x.sqlite',
      '/data/"quoted" \\ back/x.sqlite',
      '/data/new\nline/x.sqlite',
      '',
    ]) {
      expect(throughSh(shellQuote(p, 'linux')), p).toBe(p);
    }
  });

  it('Windows: double quotes around a path with spaces or shell characters', () => {
    expect(shellQuote('C:\\traces\\streams.sqlite', 'win32')).toBe('C:\\traces\\streams.sqlite');
    expect(shellQuote('C:\\My Traces\\a&b.sqlite', 'win32')).toBe('"C:\\My Traces\\a&b.sqlite"');
  });

  it('the window is ms since session start, exact to the ns; the shown form names the file only', () => {
    const c = serveCommand('/data/my runs/streams.sqlite', 8440000123, 8540000000, 'linux');
    expect(c.command).toBe("nsys-viewer serve '/data/my runs/streams.sqlite' --from 8440.000123 --to 8540");
    expect(c.shown).toBe('nsys-viewer serve streams.sqlite --from 8440.000123 --to 8540');
    expect(serveCommand('C:\\My Traces\\s.sqlite', 1, 2500000, 'win32').shown).toBe('nsys-viewer serve s.sqlite --from 0.000001 --to 2.5');
  });
});
