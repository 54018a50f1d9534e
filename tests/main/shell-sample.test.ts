/** A plain launch (npm start, no file named): the bundled real sample opens, and is not a "recent" file. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Result } from '../../src/shared/bridge';
import { IPC } from '../../src/shared/ipc';
import { repoRoot } from '../helpers/paths';
import { FakeBrowserWindow, app, ipcMain } from './fake-electron';
import { bundleTraceWorker } from './worker-bundle';

const hoisted = vi.hoisted(() => ({ workerFile: '' }));
vi.mock('electron', () => import('./fake-electron'));
vi.mock('../../src/main/worker/trace-client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/main/worker/trace-client')>();
  class TestClient extends real.TraceWorkerClient {
    constructor() {
      super(hoisted.workerFile);
    }
  }
  return { TraceWorkerClient: TestClient };
});

const userData = mkdtempSync(join(tmpdir(), 'nsys-viewer-userdata-'));
let dispose = () => undefined as void;
const savedArgv = process.argv;

beforeAll(async () => {
  let workerFile: string;
  ({ workerFile, dispose } = await bundleTraceWorker('sample'));
  hoisted.workerFile = workerFile;
  app.userData = userData;
  app.appPath = repoRoot;
  // `electron .` as electron-vite preview runs it: the app folder, then no file.
  process.argv = ['/usr/lib/electron/electron', '.'];
  (process as { defaultApp?: boolean }).defaultApp = true;
  await import('../../src/main/index');
  app.becomeReady();
  for (let i = 0; i < 200 && FakeBrowserWindow.all.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
});
afterAll(() => {
  process.argv = savedArgv;
  delete (process as { defaultApp?: boolean }).defaultApp;
  for (const w of FakeBrowserWindow.all) w.close();
  dispose();
  rmSync(userData, { recursive: true, force: true });
});

it('opens resources/samples/streams.sqlite (a real 2025.3 export) when no file is given', async () => {
  expect(FakeBrowserWindow.all.length).toBe(1);
  const wc = FakeBrowserWindow.all[0].webContents;
  const call = ipcMain.handlers.get(IPC.bridgeCall) as (e: unknown, p: unknown) => Promise<Result<{ name: string }[]>>;
  const list = await call({ sender: wc, senderFrame: wc.mainFrame }, { method: 'listTraces', args: [] });
  expect(list).toEqual({ ok: true, value: [{ traceId: expect.any(String), name: 'streams.sqlite' }] });
  expect(existsSync(join(userData, 'recent.json'))).toBe(false);
  expect(app.recentDocuments).toEqual([]);
});
