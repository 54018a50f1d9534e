/**
 * The sandboxed preload: the page's only way out. It exposes named methods (NsysBridge plus the
 * desktop extras in DesktopBridge), never ipcRenderer itself, and hands the page only plain data:
 * the IPC event object (which carries `sender`, i.e. ipcRenderer) never reaches a listener.
 * Bundled as one CommonJS file (out/preload/index.cjs): sandboxed preloads cannot load ES modules.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  BRIDGE_METHODS,
  type BridgeMethod,
  type DesktopBridge,
  type NsysBridge,
  type OpenProgressEvent,
  type Result,
} from '../shared/bridge';
import { IPC, isOpenProgressEvent } from '../shared/ipc';

function call(method: BridgeMethod, args: unknown[]): Promise<Result<unknown>> {
  // Trailing undefined arguments are optional ones left out: send what was given, nothing more.
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  return ipcRenderer.invoke(IPC.bridgeCall, { method, args: args.slice(0, n) }) as Promise<Result<unknown>>;
}

// One named function per NsysBridge method (BRIDGE_METHODS is the contract's own list, so a method
// added there is forwarded here too; main checks each call's arguments against its signature).
const methods = Object.fromEntries(BRIDGE_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as NsysBridge;

/** The path of a dropped File; '' for a File the page built itself (new File([...])): only real drops have one. */
function droppedPath(file: File): string {
  try {
    return webUtils.getPathForFile(file);
  } catch {
    return '';
  }
}
const notDropped = { ok: false, error: 'Only files dropped from your file manager can be opened.' } as const;

const bridge: DesktopBridge = {
  ...methods,

  onOpenProgress(listener: (e: OpenProgressEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onOpenProgress needs a function.');
    const handler = (_e: unknown, ev: unknown) => {
      if (isOpenProgressEvent(ev)) listener(ev);
    };
    ipcRenderer.on(IPC.openProgress, handler);
    return () => {
      ipcRenderer.removeListener(IPC.openProgress, handler);
    };
  },
  // Main runs the window's open and pushes its progress (onOpenProgress), so there is nothing to poll;
  // cancel goes to main, which owns the window's trace worker.
  getOpenProgress: () => Promise.resolve({ ok: true, value: [] }),
  cancelOpen: (openId) => ipcRenderer.invoke(IPC.cancelOpen, { openId }) as Promise<Result<boolean>>,
  openDialog: () => ipcRenderer.invoke(IPC.openDialog) as Promise<Result<{ opened: number }>>,
  openDroppedFile(file: File): Promise<Result<{ opened: boolean }>> {
    const path = droppedPath(file);
    if (!path) return Promise.resolve(notDropped);
    return ipcRenderer.invoke(IPC.openDroppedFile, { path }) as Promise<Result<{ opened: boolean }>>;
  },
  openCompareDialog: () => ipcRenderer.invoke(IPC.openCompareDialog) as Promise<Result<{ opening: boolean }>>,
  openDroppedCompareFile(file: File): Promise<Result<{ opening: boolean }>> {
    const path = droppedPath(file);
    if (!path) return Promise.resolve(notDropped);
    return ipcRenderer.invoke(IPC.openDroppedCompare, { path }) as Promise<Result<{ opening: boolean }>>;
  },
  rendererReady: () => ipcRenderer.send(IPC.rendererReady),
  saveFiles: (files) => ipcRenderer.invoke(IPC.saveFiles, { files }) as Promise<Result<{ folder: string; written: string[] }>>,
};

contextBridge.exposeInMainWorld('nsysBridge', bridge);
