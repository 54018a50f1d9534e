/**
 * electron-builder cannot run here (it downloads Electron), so the packaging config is checked the
 * way electron-builder itself reads it: its own config loader and JSON schema (app-builder-lib), its
 * glob matcher for files/asarUnpack, plus what the app needs at run time from the package.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isBuiltin } from 'node:module';
import { inflateSync } from 'node:zlib';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths';

interface Assoc {
  ext: string;
  role?: string;
  mimeType?: string;
  name?: string;
  rank?: string;
}
interface Config {
  appId: string;
  productName: string;
  files: (string | { filter: string[] })[];
  asarUnpack: string[];
  icon: string;
  extraResources: { from: string; to: string; filter: string[] }[];
  fileAssociations: Assoc[];
  linux: { target: string[]; mimeTypes: string[] };
  mac: { target: string[] };
  win: { target: string[] };
  directories: { buildResources: string; output: string };
  electronFuses?: Record<string, boolean>;
}

const builderRequire = createRequire(join(repoRoot, 'node_modules/app-builder-lib/package.json'));
const { getConfig, validateConfiguration } = builderRequire('./out/util/config/config.js') as {
  getConfig: (dir: string, path: string | null, cfg: unknown) => Promise<Config>;
  validateConfiguration: (cfg: unknown, log: unknown) => Promise<void>;
};
const { DebugLogger } = builderRequire('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const { minimatch } = builderRequire('minimatch') as { minimatch: (p: string, glob: string, o?: object) => boolean };
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

let config: Config;
beforeAll(async () => {
  config = await getConfig(repoRoot, null, null);
});

/** electron-builder's rule: a path is packed when the last matching pattern is not negated. */
function packed(path: string, files: Config['files']): boolean {
  // Validation normalises `files` to [{ filter: [...] }]; read either form.
  const patterns = files.flatMap((f) => (typeof f === 'string' ? [f] : f.filter));
  let inc = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (minimatch(path, p.slice(1), { dot: true })) inc = false;
    } else if (minimatch(path, p, { dot: true })) inc = true;
  }
  return inc;
}

describe('electron-builder config', () => {
  it("passes electron-builder's own schema validation (and that validation does reject a bad config)", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, fileAssociation: [] }, new DebugLogger(false))).rejects.toThrow(/fileAssociation/);
  });

  it('flips the Electron fuses an app like ours never needs (run as Node, NODE_OPTIONS, --inspect, code outside the asar)', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('identity and targets: AppImage + deb, dmg, nsis', () => {
    expect(config.appId).toBe('dev.nsysviewer.app');
    expect(config.productName).toBe('nsys-viewer');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('associates .nsys-rep, .qdrep and .sqlite as a Viewer, with MIME types Linux desktops register', () => {
    const byExt = new Map(config.fileAssociations.map((a) => [a.ext, a]));
    expect([...byExt.keys()].sort()).toEqual(['nsys-rep', 'qdrep', 'sqlite']);
    for (const a of config.fileAssociations) {
      expect(a.role, a.ext).toBe('Viewer');
      expect(a.mimeType, a.ext).toMatch(/^application\/[a-z0-9.+-]+$/);
      expect(config.linux.mimeTypes).toContain(a.mimeType);
    }
    expect(byExt.get('nsys-rep')?.mimeType).toBe('application/x-nsys-rep');
    // Most .sqlite files are not traces: never claim to be their default handler on macOS.
    expect(byExt.get('sqlite')?.rank).toBe('Alternate');
  });

  it('packs the built app and sql.js, and unpacks the wasm that sqljs-node.ts reads from app.asar.unpacked', () => {
    expect(pkg.main).toBe('out/main/index.cjs');
    for (const f of [
      pkg.main,
      'out/main/trace-worker.cjs',
      'out/main/chunks/ipc-x.cjs',
      'out/preload/index.cjs',
      'out/renderer/index.html',
      'out/renderer/assets/index-abc.js',
      'package.json',
      'node_modules/sql.js/dist/sql-wasm.js',
      'node_modules/sql.js/dist/sql-wasm.wasm',
      'node_modules/sql.js/package.json',
    ]) {
      expect(packed(f, config.files), f).toBe(true);
    }
    for (const f of [
      'src/main/index.ts',
      'tests/fixtures/nsys-2025.3/streams.sqlite',
      'out/main/index.cjs.map',
      'out/cli/nsys-viewer.cjs',
      'node_modules/pixi.js/lib/index.js',
      'node_modules/react/index.js',
    ]) {
      expect(packed(f, config.files), f).toBe(false);
    }
    expect(config.asarUnpack.some((g) => minimatch('node_modules/sql.js/dist/sql-wasm.wasm', g))).toBe(true);
    const sqljsNode = readFileSync(join(repoRoot, 'src/core/io/sqljs-node.ts'), 'utf8');
    expect(sqljsNode).toContain("'app.asar.unpacked$1'");
    expect(readFileSync(join(repoRoot, 'node_modules/sql.js/dist/sql-wasm.wasm')).subarray(0, 4)).toEqual(
      Buffer.from([0, 0x61, 0x73, 0x6d]),
    );
  });

  it('every npm package the main process and trace worker load at run time is a production dependency that gets packed', async () => {
    // electron-vite keeps npm packages external in main-side bundles, as `packages: external` does here.
    const r = await build({
      entryPoints: [join(repoRoot, 'src/main/index.ts'), join(repoRoot, 'src/main/trace-worker.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      outdir: join(repoRoot, 'node_modules/.cache/unused'),
      logLevel: 'silent',
    });
    const bare = new Set<string>();
    for (const out of Object.values(r.metafile.outputs)) {
      for (const imp of out.imports)
        if (imp.external && !isBuiltin(imp.path) && imp.path !== 'electron')
          bare.add(imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : imp.path.split('/')[0]);
    }
    expect([...bare].sort()).toEqual(expect.arrayContaining(['papaparse', 'sql.js']));
    const deps = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
      .dependencies;
    for (const name of bare) {
      expect(deps[name], `${name} must be in "dependencies" for electron-builder to pack it`).toBeDefined();
      // electron-builder copies production dependencies, then applies the negated `files` patterns.
      const negations = config.files.flatMap((f) => (typeof f === 'string' ? [f] : f.filter)).filter((g) => g.startsWith('!'));
      expect(
        packed(`node_modules/${name}/package.json`, ['node_modules/**/*', ...negations]),
        `${name} is excluded by electron-builder.yml files`,
      ).toBe(true);
    }
  });

  it('the main entries the shell loads are the ones electron-vite emits', () => {
    const vite = readFileSync(join(repoRoot, 'electron.vite.config.ts'), 'utf8');
    expect(vite).toMatch(/'trace-worker': resolve\(__dirname, 'src\/main\/trace-worker\.ts'\)/);
    expect(vite).toMatch(/entryFileNames: '\[name\]\.cjs'/);
    const main = readFileSync(join(repoRoot, 'src/main/index.ts'), 'utf8');
    expect(main).toContain("join(here, 'trace-worker.cjs')");
    expect(main).toContain("join(here, '../preload/index.cjs')");
  });

  it('ships the real sample trace as an extra resource (opened when no file is given)', () => {
    const r = config.extraResources.find((e) => e.to === 'samples');
    expect(r).toMatchObject({ from: 'resources/samples', filter: ['*.sqlite'] });
    const sample = readFileSync(join(repoRoot, 'resources/samples/streams.sqlite'));
    expect(sample.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    expect(sample.equals(readFileSync(join(repoRoot, 'tests/fixtures/nsys-2025.3/streams.sqlite')))).toBe(true);
  });

  it('npm scripts: start previews the app, dev runs it with HMR, dist packages (each after fetching Electron), audit:electron audits', () => {
    expect(pkg.scripts.start).toBe('node scripts/ensure-electron.mjs && electron-vite preview');
    expect(pkg.scripts.dev).toBe('node scripts/ensure-electron.mjs && electron-vite dev');
    expect(pkg.scripts.dist).toBe('node scripts/ensure-electron.mjs && electron-vite build && electron-builder');
    expect(pkg.scripts['audit:electron']).toBe('node scripts/audit-electron.mjs');
    expect(pkg.devDependencies['@doyensec/electronegativity']).toBeDefined();
  });
});

/** Decodes a PNG far enough to trust it: signature, chunk CRCs, IHDR, and IDAT inflating to the image size. */
function readPng(buf: Buffer): { width: number; height: number; colorType: number; bitDepth: number; rawBytes: number } {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  let off = 8;
  let ihdr: Buffer | null = null;
  const idat: Buffer[] = [];
  let sawEnd = false;
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.subarray(off + 4, off + 8).toString('latin1');
    const data = buf.subarray(off + 8, off + 8 + len);
    expect(buf.readUInt32BE(off + 8 + len), `CRC of ${type}`).toBe(crc(buf.subarray(off + 4, off + 8 + len)));
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') sawEnd = true;
    off += 12 + len;
  }
  expect(sawEnd).toBe(true);
  expect(ihdr).not.toBeNull();
  return {
    width: ihdr!.readUInt32BE(0),
    height: ihdr!.readUInt32BE(4),
    bitDepth: ihdr![8],
    colorType: ihdr![9],
    rawBytes: inflateSync(Buffer.concat(idat)).length,
  };
}

describe('icon', () => {
  it('resources/icon.png is a valid RGBA PNG of at least 512×512 (electron-builder derives .icns/.ico from it)', () => {
    const icon = join(repoRoot, 'resources/icon.png');
    expect(config.icon).toBe('resources/icon.png');
    const png = readPng(readFileSync(icon));
    expect(png.width).toBeGreaterThanOrEqual(512);
    expect(png.height).toBe(png.width);
    expect(png).toMatchObject({ bitDepth: 8, colorType: 6 });
    expect(png.rawBytes).toBe(png.height * (png.width * 4 + 1));
  });
});
