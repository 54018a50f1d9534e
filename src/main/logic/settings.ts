import { basename, isAbsolute } from 'node:path';
import { isPathString } from '../../shared/ipc';

/** settings.json in userData. Only known keys are read back; the file is untrusted input. */
export interface Settings {
  /** The nsys CLI, chosen by the user when it is not on PATH or in the standard folders. */
  nsysPath?: string;
  /**
   * false: no warm spare window (src/main/logic/spare-window.ts) is kept, which saves one hidden
   * renderer's memory and makes every open load its page. Default (absent): on.
   */
  spareWindow?: boolean;
}

export interface ParsedSettings {
  settings: Settings;
  /** Why a stored value was dropped (logged once; the app still starts). */
  warnings: string[];
}

export function parseSettings(json: string, file = 'settings.json'): ParsedSettings {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    return {
      settings: {},
      warnings: [`${file} is not valid JSON (${(e as Error).message}); using defaults. Delete it or fix it by hand.`],
    };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    return { settings: {}, warnings: [`${file} does not hold a JSON object; using defaults.`] };
  const o = v as Record<string, unknown>;
  const settings: Settings = {};
  const warnings: string[] = [];
  // Read own keys only: "__proto__" in the JSON must never reach an object we spread or assign.
  if (Object.prototype.hasOwnProperty.call(o, 'nsysPath') && o.nsysPath !== undefined) {
    const shape = checkNsysPathShape(o.nsysPath);
    if (shape === null) settings.nsysPath = o.nsysPath as string;
    else warnings.push(`${file}: nsysPath ignored (${shape})`);
  }
  if (Object.prototype.hasOwnProperty.call(o, 'spareWindow') && o.spareWindow !== undefined) {
    if (typeof o.spareWindow === 'boolean') settings.spareWindow = o.spareWindow;
    else warnings.push(`${file}: spareWindow ignored (expected true or false)`);
  }
  return { settings, warnings };
}

export function serializeSettings(s: Settings): string {
  const out: Settings = {};
  if (s.nsysPath !== undefined) out.nsysPath = s.nsysPath;
  if (s.spareWindow !== undefined) out.spareWindow = s.spareWindow;
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** What the file system must say about a chosen nsys (injected so tests need no real nsys). */
export interface NsysFs {
  isFile(path: string): boolean;
  isExecutable(path: string): boolean;
}

/** null when the string could name nsys; otherwise why not. */
function checkNsysPathShape(p: unknown): string | null {
  if (!isPathString(p)) return 'not a path';
  if (!isAbsolute(p) && !/^[A-Za-z]:[\\/]/.test(p)) return `"${p.slice(0, 200)}" is not an absolute path`;
  const base = basename(p.replace(/\\/g, '/')).toLowerCase();
  if (base !== 'nsys' && base !== 'nsys.exe')
    return `"${basename(p).slice(0, 200)}" is not the nsys executable (expected a file named nsys or nsys.exe)`;
  return null;
}

export type NsysPathCheck = { ok: true; path: string } | { ok: false; error: string };

/** Validates the user's choice before it is stored; the message says what to pick instead. */
export function validateNsysPath(p: unknown, fs: NsysFs): NsysPathCheck {
  const shape = checkNsysPathShape(p);
  const hint =
    'Choose the nsys program inside your Nsight Systems install (e.g. /opt/nvidia/nsight-systems/2025.3.1/bin/nsys or …\\target-windows-x64\\nsys.exe).';
  if (shape !== null) return { ok: false, error: `The nsys path setting was not changed: ${shape}. ${hint}` };
  const path = p as string;
  if (!fs.isFile(path)) return { ok: false, error: `The nsys path setting was not changed: ${path} is not a file. ${hint}` };
  if (!fs.isExecutable(path))
    return { ok: false, error: `The nsys path setting was not changed: ${path} is not executable (chmod +x it). ${hint}` };
  return { ok: true, path };
}
