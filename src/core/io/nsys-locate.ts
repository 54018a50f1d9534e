import { posix, win32 } from 'node:path';

/**
 * Finds the nsys CLI. Pure over an injected file system and environment, so the Linux, Windows and
 * macOS rules are all unit-tested on any machine. Order: an explicit path (a setting), the NSYS
 * environment variable, PATH, then the standard install folders, newest version first.
 */
export interface LocatorFs {
  isFile(path: string): boolean;
  /** Entry names of a folder; [] when it does not exist or cannot be read. */
  listDir(path: string): string[];
}

export interface LocateInput {
  platform: string; // process.platform
  env: Record<string, string | undefined>;
  fs: LocatorFs;
  /** opts.nsysPath: the user's setting. */
  explicit?: string;
}

export type NsysSource = 'option' | 'NSYS' | 'PATH' | 'standard';

export interface NsysCandidate {
  path: string;
  source: NsysSource;
}

export interface LocateResult {
  found: NsysCandidate | null;
  /** What was looked at, in order, for the "not found" message. */
  searched: string[];
  /** Set when the option or NSYS named something that is not nsys: that is reported, not skipped. */
  badExplicit?: NsysCandidate;
}

/** Compares dotted versions found in folder names ("2025.3.1", "12.4"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .split(/[^0-9]+/)
    .filter(Boolean)
    .map(Number);
  const pb = b
    .split(/[^0-9]+/)
    .filter(Boolean)
    .map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Standard install locations that exist on this file system, newest version first. */
export function standardNsysPaths(platform: string, env: Record<string, string | undefined>, fs: LocatorFs): string[] {
  const found: { path: string; version: string }[] = [];
  const add = (path: string, version: string) => {
    if (fs.isFile(path)) found.push({ path, version });
  };
  if (platform === 'win32') {
    const roots = [env.ProgramFiles, env['ProgramW6432'], 'C:\\Program Files'].filter((r): r is string => !!r);
    for (const root of [...new Set(roots)]) {
      const vendor = win32.join(root, 'NVIDIA Corporation');
      for (const d of fs.listDir(vendor)) {
        // "Nsight Systems 2025.3.1"; the CLI lives in target-windows-x64.
        const m = /^Nsight Systems (\d[\d.]*)$/.exec(d);
        if (m) add(win32.join(vendor, d, 'target-windows-x64', 'nsys.exe'), m[1]);
      }
    }
  } else if (platform === 'darwin') {
    for (const d of fs.listDir('/Applications')) {
      const m = /^NVIDIA Nsight Systems( \d[\d.]*)?\.app$/.exec(d);
      if (m) add(posix.join('/Applications', d, 'Contents', 'MacOS', 'nsys'), (m[1] ?? '').trim());
    }
  } else {
    for (const d of fs.listDir('/opt/nvidia/nsight-systems')) {
      if (/^\d[\d.]*/.test(d)) add(posix.join('/opt/nvidia/nsight-systems', d, 'bin', 'nsys'), d);
    }
    // The CUDA toolkit's Nsight Compute bundles an nsys: the 2025.3 traces in tests/ were recorded by
    // /opt/nvidia/nsight-compute/2025.3.1/host/target-linux-x64/nsys (see their report trailer).
    for (const d of fs.listDir('/opt/nvidia/nsight-compute')) {
      if (/^\d[\d.]*/.test(d)) add(posix.join('/opt/nvidia/nsight-compute', d, 'host', 'target-linux-x64', 'nsys'), d);
    }
    for (const d of fs.listDir('/usr/local')) {
      // cuda-12.4 etc.; the bare "cuda" link has no version and sorts after the versioned ones.
      const m = /^cuda(?:-(\d[\d.]*))?$/.exec(d);
      if (m) add(posix.join('/usr/local', d, 'bin', 'nsys'), m[1] ?? '');
    }
    // Debian/Ubuntu's nsight-systems package (2022.4): /usr/bin/nsys is found through PATH; this is its target.
    for (const base of ['/usr/lib/nsight-systems', '/usr/lib/x86_64-linux-gnu/nsight-systems']) {
      add(posix.join(base, 'bin', 'nsys'), '');
      add(posix.join(base, 'target-linux-x64', 'nsys'), '');
    }
  }
  // Stable sort: newest first; entries without a version keep their place after the versioned ones.
  return found
    .map((f, i) => ({ ...f, i }))
    .sort((a, b) => {
      if (!a.version || !b.version) return a.version ? -1 : b.version ? 1 : a.i - b.i;
      return compareVersions(b.version, a.version) || a.i - b.i;
    })
    .map((f) => f.path);
}

export function locateNsys(input: LocateInput): LocateResult {
  const { platform, env, fs } = input;
  const pathMod = platform === 'win32' ? win32 : posix;
  const exe = platform === 'win32' ? 'nsys.exe' : 'nsys';
  const searched: string[] = [];
  // An explicit path may name the executable or the folder holding it.
  const resolveExplicit = (p: string, source: NsysSource): LocateResult => {
    searched.push(`${source === 'option' ? 'the nsys path setting' : 'NSYS'}=${p}`);
    if (fs.isFile(p)) return { found: { path: p, source }, searched };
    const inDir = pathMod.join(p, exe);
    if (fs.isFile(inDir)) return { found: { path: inDir, source }, searched };
    return { found: null, searched, badExplicit: { path: p, source } };
  };
  if (input.explicit) return resolveExplicit(input.explicit, 'option');
  if (env.NSYS) return resolveExplicit(env.NSYS, 'NSYS');

  const pathVar = (platform === 'win32' ? (env.Path ?? env.PATH) : env.PATH) ?? '';
  const dirs = pathVar.split(platform === 'win32' ? ';' : ':').filter(Boolean);
  searched.push(dirs.length ? `PATH (${dirs.length} folders)` : 'PATH (empty)');
  for (const dir of dirs) {
    const p = pathMod.join(dir.replace(/^"(.*)"$/, '$1'), exe);
    if (fs.isFile(p)) return { found: { path: p, source: 'PATH' }, searched };
  }
  const std = standardNsysPaths(platform, env, fs);
  searched.push(...standardFolderPatterns(platform));
  return { found: std.length ? { path: std[0], source: 'standard' } : null, searched };
}

/** Human-readable list of the standard folders, for messages. */
export function standardFolderPatterns(platform: string): string[] {
  if (platform === 'win32') return ['C:\\Program Files\\NVIDIA Corporation\\Nsight Systems *\\target-windows-x64'];
  if (platform === 'darwin') return ['/Applications/NVIDIA Nsight Systems.app/Contents/MacOS'];
  return [
    '/opt/nvidia/nsight-systems/*/bin',
    '/opt/nvidia/nsight-compute/*/host/target-linux-x64',
    '/usr/local/cuda*/bin',
    '/usr/lib/nsight-systems',
  ];
}
