import type { NsysBridge } from '../../shared/bridge';
import { createHttpBridge } from './http-bridge';

declare global {
  interface Window {
    /** Exposed by the Electron preload (src/preload) when running inside the desktop app. */
    nsysBridge?: NsysBridge;
  }
}

/** The Electron preload's bridge when present, else the `serve` HTTP bridge (token from the URL). */
export function pickBridge(): NsysBridge | { error: string } {
  if (window.nsysBridge) return window.nsysBridge;
  const token = new URLSearchParams(location.search).get('token');
  if (!token) return { error: 'No access token in the URL. Open the exact URL printed by `nsys-viewer serve TRACE`.' };
  return createHttpBridge(token);
}
