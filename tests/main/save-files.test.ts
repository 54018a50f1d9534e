import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSave } from '../../src/main/logic/save-files';
import { MAX_SAVE_FILES, isSaveFileName, isSaveFiles } from '../../src/shared/ipc';

describe('isSaveFileName', () => {
  it('accepts the names our exports and screenshots generate', () => {
    for (const n of [
      'trimmed.csv',
      'kernels_8440.5-8540ms.csv',
      'kernel_memcpy_pairs_-5-10ms.csv',
      'streams_8440-8540ms.png',
      '_x.png',
      'summary.json',
    ]) {
      expect(isSaveFileName(n), n).toBe(true);
    }
  });
  it('refuses paths, traversal, odd extensions and platform tricks', () => {
    for (const n of [
      '../x.csv',
      '..csv',
      'a/b.csv',
      'a\\\\b.csv',
      '/etc/passwd',
      'C:x.csv',
      '.bashrc',
      'x.exe',
      'x.csv.',
      'x.csv ',
      '.csv',
      '',
      'x'.repeat(200) + '.csv',
      'a\0.csv',
      'é.csv',
      42,
      null,
      { toString: () => 'x.csv' },
    ]) {
      expect(isSaveFileName(n), String(n)).toBe(false);
    }
  });
});

describe('isSaveFiles', () => {
  const ok = { fileName: 'a.csv', data: 'x' };
  it('checks shape, count, duplicates (case-insensitively) and data types', () => {
    expect(isSaveFiles({ files: [ok] })).toBe(true);
    expect(isSaveFiles({ files: [{ fileName: 'a.png', data: new Uint8Array(3) }] })).toBe(true);
    expect(isSaveFiles({ files: [] })).toBe(false);
    expect(isSaveFiles({ files: Array.from({ length: MAX_SAVE_FILES + 1 }, (_, i) => ({ fileName: `f${i}.csv`, data: '' })) })).toBe(false);
    expect(isSaveFiles({ files: [ok, { fileName: 'A.CSV', data: 'y' }] })).toBe(false);
    expect(isSaveFiles({ files: [{ fileName: 'a.csv', data: 42 }] })).toBe(false);
    expect(isSaveFiles({ files: [{ fileName: 'a.csv', data: 'x', extra: 1 }] })).toBe(false);
    expect(isSaveFiles({ files: [ok], folder: '/tmp' })).toBe(false);
    expect(isSaveFiles(JSON.parse('{"files":[{"fileName":"a.csv","data":"x"}],"__proto__":{"polluted":1}}'))).toBe(false);
    expect(isSaveFiles([ok])).toBe(false);
  });
});

describe('planSave', () => {
  const folder = resolve('/tmp/pick');
  it('targets bare names inside the folder', () => {
    const r = planSave(
      folder,
      {
        files: [
          { fileName: 'a.csv', data: 'x' },
          { fileName: 'b.png', data: new Uint8Array(1) },
        ],
      },
      () => false,
    );
    expect(r).toEqual({
      ok: true,
      targets: [
        { path: join(folder, 'a.csv'), data: 'x' },
        { path: join(folder, 'b.png'), data: new Uint8Array(1) },
      ],
    });
  });
  it('refuses the whole save when any name exists, naming them all', () => {
    const r = planSave(
      folder,
      {
        files: [
          { fileName: 'a.csv', data: 'x' },
          { fileName: 'b.csv', data: 'y' },
          { fileName: 'c.csv', data: 'z' },
        ],
      },
      (p) => !p.endsWith('b.csv'),
    );
    expect(r).toEqual({
      ok: false,
      error: `${folder} already has a.csv, c.csv: nothing was written. Pick an empty folder or move those files.`,
    });
  });
  it('refuses a name that would leave the folder even if a guard let it through', () => {
    const r = planSave(folder, { files: [{ fileName: '../escape.csv', data: 'x' }] }, () => false);
    expect(r.ok).toBe(false);
  });
});
