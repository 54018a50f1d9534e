/**
 * Runs in Chromium in place of Electron's renderer-side modules, for desktop-e2e.test.ts: the real
 * preload (src/preload/index.ts) is bundled against this file. IPC goes to the test's Node side
 * through Playwright bindings; answers come back wire-encoded (src/core/service/wire-codec.ts) so
 * typed arrays arrive as typed arrays, as Electron's structured clone delivers them.
 */
import { decodeMessage } from '../../src/core/service/wire-codec';

type Listener = (event: unknown, payload: unknown) => void;
interface TestWindow {
  __ipcInvoke(channel: string, payloadJson: string): Promise<string>;
  __ipcSend(channel: string, argsJson: string): Promise<void>;
  __ipcEmit(channel: string, payload: unknown): void;
}
const w = window as unknown as TestWindow & Record<string, unknown>;
const listeners = new Map<string, Set<Listener>>();

function fromBase64(s: string): ArrayBuffer {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

export const ipcRenderer = {
  async invoke(channel: string, payload?: unknown): Promise<unknown> {
    return decodeMessage(fromBase64(await w.__ipcInvoke(channel, JSON.stringify(payload ?? null))));
  },
  send(channel: string, ...args: unknown[]): void {
    void w.__ipcSend(channel, JSON.stringify(args));
  },
  on(channel: string, fn: Listener): void {
    if (!listeners.has(channel)) listeners.set(channel, new Set());
    listeners.get(channel)!.add(fn);
  },
  removeListener(channel: string, fn: Listener): void {
    listeners.get(channel)?.delete(fn);
  },
};

// Main → page: what webContents.send delivers. The event object carries `sender`, as Electron's does.
w.__ipcEmit = (channel, payload) => listeners.get(channel)?.forEach((fn) => fn({ sender: ipcRenderer }, payload));

export const contextBridge = {
  exposeInMainWorld(key: string, api: Record<string, unknown>): void {
    Object.defineProperty(window, key, { value: Object.freeze({ ...api }), enumerable: true });
  },
};

/** Files dropped in the test carry their path in __testPath; a File the page builds has none. */
export const webUtils = {
  getPathForFile: (f: unknown): string =>
    f && typeof (f as { __testPath?: unknown }).__testPath === 'string' ? (f as { __testPath: string }).__testPath : '',
};
