/**
 * A stand-in for the parts of Electron's main-process API that src/main/index.ts uses, recording
 * what the shell asks for so tests/main/shell.test.ts can drive it like the real app does (Electron's
 * binary cannot run in CI). It models behaviour the shell relies on: 'web-contents-created' fires for
 * each new window, loadFile sets the main frame's URL and then fires 'ready-to-show', `show: false`
 * keeps a window hidden until show(), close() and destroy() fire 'closed', and 'window-all-closed'
 * fires when the last window (hidden ones count, as in Electron) has gone.
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';

type Fn = (...args: never[]) => unknown;

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly mainFrame = { url: '', frameTreeNodeId: 1000 + this.id };
  readonly sent: [string, unknown][] = [];
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  /** webPreferences.backgroundThrottling as set later by setBackgroundThrottling (undefined: never called). */
  backgroundThrottling: boolean | undefined;
  setBackgroundThrottling(allowed: boolean): void {
    this.backgroundThrottling = allowed;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  setWindowOpenHandler(fn: (d: { url: string }) => { action: string }): void {
    this.windowOpenHandler = fn;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  destroyed = false;
  focused = 0;
  visible: boolean;
  title: string;
  excludedFromShownWindowsMenu = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    this.visible = options.show !== false;
    this.title = typeof options.title === 'string' ? options.title : '';
    FakeBrowserWindow.all.push(this);
    app.allClosedSent = false;
    app.emit('web-contents-created', {}, this.webContents);
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.all.filter((w) => !w.destroyed);
  }
  static getFocusedWindow(): FakeBrowserWindow | null {
    return null;
  }
  async loadFile(path: string): Promise<void> {
    this.webContents.mainFrame.url = pathToFileURL(path).href;
    this.webContents.emit('did-navigate');
    // Electron: once the page has painted (which, with paintWhenInitiallyHidden's default, a hidden window does too).
    setImmediate(() => !this.destroyed && this.emit('ready-to-show'));
  }
  async loadURL(url: string): Promise<void> {
    this.webContents.mainFrame.url = url;
    this.webContents.emit('did-navigate');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  show(): void {
    this.visible = true;
  }
  isVisible(): boolean {
    return this.visible && !this.destroyed;
  }
  setTitle(t: string): void {
    this.title = t;
  }
  getTitle(): string {
    return this.title;
  }
  focus(): void {
    this.focused++;
  }
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('closed');
    if (FakeBrowserWindow.getAllWindows().length === 0 && !app.allClosedSent) {
      app.allClosedSent = true;
      app.emit('window-all-closed');
    }
  }
  /** As close() here (the page has no beforeunload to veto a close). */
  destroy(): void {
    this.close();
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  userData = '';
  appPath = '';
  recentDocuments: string[] = [];
  quitCalls = 0;
  /** 'window-all-closed' was emitted since the last window was created (Electron fires it once per time the count drops to 0). */
  allClosedSent = false;
  private readyResolve!: () => void;
  private readonly ready = new Promise<void>((r) => (this.readyResolve = r));
  private isReadyFlag = false;
  becomeReady(): void {
    this.isReadyFlag = true;
    this.readyResolve();
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  isReady(): boolean {
    return this.isReadyFlag;
  }
  requestSingleInstanceLock(): boolean {
    return true;
  }
  getPath(name: string): string {
    if (name !== 'userData') throw new Error(`unexpected getPath(${name})`);
    return this.userData;
  }
  getAppPath(): string {
    return this.appPath;
  }
  addRecentDocument(p: string): void {
    this.recentDocuments.push(p);
  }
  clearRecentDocuments(): void {
    this.recentDocuments = [];
  }
  quit(): void {
    this.quitCalls++;
  }
}

export const app = new FakeApp();

export const ipcMain = {
  handlers: new Map<string, Fn>(),
  listeners: new Map<string, Fn>(),
  handle(channel: string, fn: Fn) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  },
  on(channel: string, fn: Fn) {
    this.listeners.set(channel, fn);
  },
};

export const dialog = {
  messageBoxes: [] as Record<string, unknown>[],
  errorBoxes: [] as string[],
  openDialogResult: { canceled: true, filePaths: [] as string[] },
  async showOpenDialog(..._a: unknown[]) {
    return this.openDialogResult;
  },
  async showMessageBox(_win: unknown, opts: Record<string, unknown>) {
    this.messageBoxes.push(opts);
    return { response: 1 };
  },
  showErrorBox(_title: string, msg: string) {
    this.errorBoxes.push(msg);
  },
};

export const Menu = {
  template: null as unknown,
  buildFromTemplate(t: unknown) {
    return t;
  },
  setApplicationMenu(m: unknown) {
    this.template = m;
  },
};

export const session = {
  defaultSession: {
    headersListener: null as
      null | ((d: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void),
    permissionRequest: null as
      null | ((wc: unknown, permission: string, cb: (ok: boolean) => void, details: { requestingUrl: string }) => void),
    permissionCheck: null as
      null | ((wc: unknown, permission: string, requestingOrigin: string, details: { requestingUrl?: string }) => boolean),
    webRequest: {
      onHeadersReceived(fn: never) {
        session.defaultSession.headersListener = fn;
      },
    },
    setPermissionRequestHandler(fn: never) {
      this.permissionRequest = fn;
    },
    setPermissionCheckHandler(fn: never) {
      this.permissionCheck = fn;
    },
  },
};

export const shell = {
  opened: [] as string[],
  async openExternal(url: string) {
    this.opened.push(url);
  },
};

export const clipboard = {
  text: '',
  async writeText(t: string) {
    this.text = t;
  },
};

export const BrowserWindow = FakeBrowserWindow;
