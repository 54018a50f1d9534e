/**
 * The sandboxed preload: the page's only way out. It exposes named methods (NsysBridge plus the
 * desktop extras in DesktopBridge), never ipcRenderer itself, and hands the page only plain data:
 * the IPC event object (which carries `sender`, i.e. ipcRenderer) never reaches a listener.
 * Bundled as one CommonJS file (out/preload/index.cjs): sandboxed preloads cannot load ES modules.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { BridgeMethod, DesktopBridge, OpenProgressEvent, Result } from '../shared/bridge';
import { IPC, isOpenProgressEvent } from '../shared/ipc';

function call<T>(method: BridgeMethod, args: unknown[]): Promise<Result<T>> {
  return ipcRenderer.invoke(IPC.bridgeCall, { method, args }) as Promise<Result<T>>;
}

const bridge: DesktopBridge = {
  listTraces: () => call('listTraces', []),
  getTraceInfo: (traceId) => call('getTraceInfo', [traceId]),
  getSlices: (traceId, requests) => call('getSlices', [traceId, requests]),
  getBusyProfile: (traceId, trackIds, t0, t1, widthPx) => call('getBusyProfile', [traceId, trackIds, t0, t1, widthPx]),
  getStrings: (traceId, ids) => call('getStrings', [traceId, ids]),
  getEventDetails: (traceId, lane, index) => call('getEventDetails', [traceId, lane, index]),
  search: (traceId, query) => call('search', [traceId, query]),
  aggregate: (traceId, t0, t1, trackIds) => call('aggregate', trackIds === undefined ? [traceId, t0, t1] : [traceId, t0, t1, trackIds]),
  getMemOps: (traceId, window) => call('getMemOps', [traceId, window ?? null]),

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
  cancelOpen: (openId) => ipcRenderer.invoke(IPC.cancelOpen, { openId }) as Promise<Result<boolean>>,
  openDialog: () => ipcRenderer.invoke(IPC.openDialog) as Promise<Result<{ opened: number }>>,
  openDroppedFile(file: File): Promise<Result<{ opened: boolean }>> {
    let path = '';
    try {
      // '' for a File the page built itself (new File([...])): only real dropped files have a path.
      path = webUtils.getPathForFile(file);
    } catch {
      path = '';
    }
    if (!path) return Promise.resolve({ ok: false, error: 'Only files dropped from your file manager can be opened.' });
    return ipcRenderer.invoke(IPC.openDroppedFile, { path }) as Promise<Result<{ opened: boolean }>>;
  },
  rendererReady: () => ipcRenderer.send(IPC.rendererReady),
};

contextBridge.exposeInMainWorld('nsysBridge', bridge);
