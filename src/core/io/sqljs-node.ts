import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import initSqlJs, { type SqlJsStatic } from 'sql.js';

let enginePromise: Promise<SqlJsStatic> | null = null;

/**
 * sql.js engine for Node-side code (CLI, Electron main / utility process, tests). The wasm file is
 * located explicitly next to sql.js's own entry point: bundlers (electron-vite, esbuild) do not copy
 * `sql-wasm.wasm`, and electron-builder unpacks it from the asar (see electron-builder config).
 */
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!enginePromise) {
    const wasmPath = locateSqlWasm();
    const wasmBinary = readFileSync(wasmPath);
    enginePromise = initSqlJs({
      wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength),
    });
  }
  return enginePromise;
}

export function locateSqlWasm(): string {
  const override = process.env.NSYS_VIEWER_SQL_WASM;
  if (override) return override;
  const req = createRequire(import.meta.url);
  const entry = req.resolve('sql.js');
  // Inside a packaged app the asar is unpacked for the wasm (asarUnpack), so prefer that path.
  return join(dirname(entry), 'sql-wasm.wasm').replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
}
