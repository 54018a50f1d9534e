import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_RECENT, addRecent, parseRecent, serializeRecent } from '../../src/main/logic/recent';
import { parseSettings, serializeSettings, validateNsysPath } from '../../src/main/logic/settings';
import { readText, writeTextAtomic } from '../../src/main/store';

const dir = mkdtempSync(join(tmpdir(), 'nsys-viewer-stores-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('recent files', () => {
  it('most recent first, no repeats, at most MAX_RECENT, round-trips through the JSON file', () => {
    let list: string[] = [];
    for (let i = 0; i < 15; i++) list = addRecent(list, `/t/run${i}.nsys-rep`);
    list = addRecent(list, '/t/run7.nsys-rep');
    expect(list.length).toBe(MAX_RECENT);
    expect(list.slice(0, 3)).toEqual(['/t/run7.nsys-rep', '/t/run14.nsys-rep', '/t/run13.nsys-rep']);
    const file = join(dir, 'recent.json');
    writeTextAtomic(file, serializeRecent(list));
    expect(parseRecent(readText(file)!)).toEqual(list);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('relative or non-path entries are not added', () => {
    expect(addRecent(['/a.sqlite'], '../../etc/passwd')).toEqual(['/a.sqlite']);
    expect(addRecent(['/a.sqlite'], 'a\0.sqlite')).toEqual(['/a.sqlite']);
  });

  it('a hostile or damaged recent.json reads as a clean list, never throws', () => {
    for (const json of [
      '',
      '{',
      'null',
      '[]',
      '"x"',
      '{"files": "nope"}',
      '{"files": {"0": "/a.sqlite"}}',
      '{"__proto__": {"files": ["/a.sqlite"]}}',
    ]) {
      expect(parseRecent(json), json).toEqual([]);
    }
    const mixed = JSON.stringify({
      files: [
        '/ok.sqlite',
        'relative.sqlite',
        '../../etc/passwd',
        '/etc/passwd',
        7,
        null,
        { a: 1 },
        '/ok.sqlite',
        `/${'x'.repeat(40_000)}.sqlite`,
        '/b.QDREP',
      ],
    });
    expect(parseRecent(mixed)).toEqual(['/ok.sqlite', '/b.QDREP']);
    expect(parseRecent(JSON.stringify({ files: Array.from({ length: 1000 }, (_, i) => `/r${i}.sqlite`) })).length).toBe(MAX_RECENT);
    expect(({} as Record<string, unknown>).files).toBeUndefined();
  });
});

describe('settings', () => {
  it('keeps a plausible nsysPath and nothing else', () => {
    const r = parseSettings(
      JSON.stringify({ nsysPath: '/opt/nvidia/nsight-systems/2025.3.1/bin/nsys', theme: 'x', __proto__: { polluted: 1 } }),
    );
    expect(r.settings).toEqual({ nsysPath: '/opt/nvidia/nsight-systems/2025.3.1/bin/nsys' });
    expect(r.warnings).toEqual([]);
    expect(
      parseSettings('{"nsysPath":"C:\\\\Program Files\\\\NVIDIA Corporation\\\\Nsight Systems 2025.3.1\\\\target-windows-x64\\\\nsys.exe"}')
        .settings.nsysPath,
    ).toMatch(/nsys\.exe$/);
  });

  it('prototype-pollution keys do not reach Object.prototype', () => {
    const r = parseSettings(
      '{"__proto__": {"nsysPath": "/evil/nsys", "polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
    );
    expect(r.settings).toEqual({});
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(r.settings, 'nsysPath')).toBe(false);
  });

  it('drops bad stored values with a warning naming the file', () => {
    const cases: [string, RegExp][] = [
      ['{', /settings\.json is not valid JSON/],
      ['[1]', /does not hold a JSON object/],
      ['{"nsysPath": 5}', /nsysPath ignored \(not a path\)/],
      ['{"nsysPath": "nsys"}', /is not an absolute path/],
      ['{"nsysPath": "../../bin/nsys"}', /is not an absolute path/],
      ['{"nsysPath": "/bin/sh"}', /"sh" is not the nsys executable/],
      ['{"nsysPath": "/tmp/nsys\\u0000/evil"}', /not a path/],
    ];
    for (const [json, re] of cases) {
      const r = parseSettings(json, '/home/ana/.config/nsys-viewer/settings.json');
      expect(r.settings, json).toEqual({});
      expect(r.warnings.join(' '), json).toMatch(re);
    }
    expect(parseSettings('{').warnings[0]).toContain('Delete it or fix it by hand');
  });

  it('validateNsysPath checks the real file system: a file, executable, named nsys', () => {
    const fsCheck = {
      isFile: (p: string) => {
        try {
          return statSync(p).isFile();
        } catch {
          return false;
        }
      },
      isExecutable: (p: string) => {
        try {
          return (statSync(p).mode & 0o111) !== 0;
        } catch {
          return false;
        }
      },
    };
    const nsys = join(dir, 'nsys');
    writeFileSync(nsys, '#!/bin/sh\necho NVIDIA Nsight Systems version 2025.3.1\n');
    chmodSync(nsys, 0o644);
    const notExec = validateNsysPath(nsys, fsCheck);
    expect(notExec).toEqual({ ok: false, error: expect.stringContaining(`${nsys} is not executable`) });
    chmodSync(nsys, 0o755);
    expect(validateNsysPath(nsys, fsCheck)).toEqual({ ok: true, path: nsys });
    expect(validateNsysPath(join(dir, 'missing', 'nsys'), fsCheck)).toEqual({ ok: false, error: expect.stringContaining('is not a file') });
    expect(validateNsysPath('/bin/sh', fsCheck)).toEqual({
      ok: false,
      error: expect.stringContaining('expected a file named nsys or nsys.exe'),
    });
    expect(validateNsysPath({ path: nsys }, fsCheck)).toEqual({ ok: false, error: expect.stringContaining('not a path') });
    // The real nsys 2022.4 on this machine, when there is one.
    if (fsCheck.isFile('/usr/bin/nsys')) expect(validateNsysPath('/usr/bin/nsys', fsCheck).ok).toBe(true);
  });

  it('spareWindow: true or false is kept (and written back with the nsys path); anything else is dropped with a warning', () => {
    expect(parseSettings('{"spareWindow": false}')).toEqual({ settings: { spareWindow: false }, warnings: [] });
    expect(parseSettings('{"spareWindow": true}').settings).toEqual({ spareWindow: true });
    const r = parseSettings('{"spareWindow": "no"}', '/home/ana/.config/nsys-viewer/settings.json');
    expect(r.settings).toEqual({});
    expect(r.warnings).toEqual(['/home/ana/.config/nsys-viewer/settings.json: spareWindow ignored (expected true or false)']);
    // Locate nsys… rewrites the file from the settings held: the spare setting must survive it.
    expect(JSON.parse(serializeSettings({ nsysPath: '/x/nsys', spareWindow: false }))).toEqual({ nsysPath: '/x/nsys', spareWindow: false });
  });

  it('serializes only known keys', () => {
    expect(JSON.parse(serializeSettings({ nsysPath: '/x/nsys', ...({ extra: 1 } as object) }))).toEqual({ nsysPath: '/x/nsys' });
    expect(JSON.parse(serializeSettings({}))).toEqual({});
  });
});
