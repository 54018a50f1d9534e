import { describe, expect, it } from 'vitest';
import { filesFromArgv } from '../../src/main/logic/argv';

const linux = { cwd: '/home/ana/runs', defaultApp: false, platform: 'linux' };

describe('filesFromArgv', () => {
  it('packaged app: skips the executable, resolves relative paths against the invocation cwd', () => {
    const r = filesFromArgv(['/opt/nsys-viewer/nsys-viewer', 'a.nsys-rep', '../b.sqlite', '/data/c.QDREP'], linux);
    expect(r.files).toEqual(['/home/ana/runs/a.nsys-rep', '/home/ana/b.sqlite', '/data/c.QDREP']);
    expect(r.ignored).toEqual([]);
  });

  it('electron . (defaultApp): the first non-flag argument is the app folder, not a file', () => {
    const r = filesFromArgv(['/usr/lib/electron/electron', '--inspect=9229', '.', 'x.sqlite'], { ...linux, defaultApp: true });
    expect(r.files).toEqual(['/home/ana/runs/x.sqlite']);
  });

  it('skips Electron/Chromium switches, including those second-instance argv gains, and macOS -psn', () => {
    const argv = [
      '/app/nsys-viewer',
      '--no-sandbox',
      '--allow-file-access-from-files',
      '--original-process-start-time=13372',
      '-psn_0_1234',
      '--enable-features=X',
      'run.nsys-rep',
    ];
    expect(filesFromArgv(argv, linux).files).toEqual(['/home/ana/runs/run.nsys-rep']);
  });

  it('after a lone "--" a leading dash is a file name', () => {
    expect(filesFromArgv(['/app/x', '--', '-weird.sqlite'], linux).files).toEqual(['/home/ana/runs/-weird.sqlite']);
  });

  it('path traversal is resolved, not trusted: the result is absolute and normalised', () => {
    const r = filesFromArgv(['/app/x', '../../../../etc/passwd', '../../../../etc/shadow.sqlite'], linux);
    expect(r.files).toEqual(['/etc/shadow.sqlite']); // it then goes through openTrace's content check
    expect(r.ignored).toEqual(['../../../../etc/passwd']);
  });

  it('file:// URLs from desktop launchers become paths; other schemes are never files', () => {
    const r = filesFromArgv(
      [
        '/app/x',
        'file:///home/ana/My%20Run.nsys-rep',
        'javascript://alert(1).sqlite',
        'http://evil.example/t.sqlite',
        'file://remote-host/share/t.sqlite',
      ],
      linux,
    );
    expect(r.files).toEqual(['/home/ana/My Run.nsys-rep']);
    expect(r.ignored).toEqual(['javascript://alert(1).sqlite', 'http://evil.example/t.sqlite', 'file://remote-host/share/t.sqlite']);
  });

  it('Windows rules: drive letters, backslashes, relative to the second instance working directory', () => {
    const win = { cwd: 'C:\\Users\\ana\\traces', defaultApp: false, platform: 'win32' };
    const r = filesFromArgv(['C:\\Program Files\\nsys-viewer\\nsys-viewer.exe', 'run1.nsys-rep', '..\\old.qdrep', 'D:\\x\\y.sqlite'], win);
    expect(r.files).toEqual(['C:\\Users\\ana\\traces\\run1.nsys-rep', 'C:\\Users\\ana\\old.qdrep', 'D:\\x\\y.sqlite']);
  });

  it('hostile values: non-strings, NUL bytes, huge strings, duplicates, bare extensions', () => {
    const huge = `${'a/'.repeat(40_000)}x.sqlite`;
    const argv: unknown[] = [
      '/app/x',
      42,
      null,
      { toString: () => 'a.sqlite' },
      'a\0b.sqlite',
      huge,
      '',
      'dup.sqlite',
      './dup.sqlite',
      '.sqlite',
      'dir/.sqlite',
      'notes.txt',
    ];
    const r = filesFromArgv(argv, linux);
    expect(r.files).toEqual(['/home/ana/runs/dup.sqlite']);
    expect(r.ignored).toEqual(['.sqlite', 'dir/.sqlite', 'notes.txt']);
  });

  it('no arguments at all', () => {
    expect(filesFromArgv([], linux)).toEqual({ files: [], ignored: [] });
    expect(filesFromArgv(['/app/x'], { ...linux, defaultApp: true })).toEqual({ files: [], ignored: [] });
  });
});
