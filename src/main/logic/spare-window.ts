/**
 * The desktop app's warm spare window (issue 15), after Chrome's "spare renderer". Every open used to
 * create a window and load the page first: HTML, scripts, Chromium's GPU process and the WebGL
 * context cost 1.4–2.2 s on this 2-core machine's SwiftShader, more than a 1.5M-event trace's GPU
 * rows (ready 0.4 s after the worker starts). So once the app is idle, main keeps ONE hidden window whose
 * page has loaded and is warming WebGL (its listTraces held) and whose trace worker has started; the
 * next open takes it. This slot decides when a spare is made, taken and dropped; index.ts does the
 * Electron side. `W` is main's window record (a plain object in the tests).
 */

/**
 * How long the app must have had no open running before a spare is made: the window that just
 * opened is still drawing its first frames, and the spare's page load (~2 s of CPU on SwiftShader)
 * must not compete with them on a 2-core machine.
 */
export const SPARE_IDLE_MS = 1500;

export class SpareSlot<W> {
  private spare: W | undefined;
  private ready = false;
  /** A spare's page crashed or failed to load: it would again, so none is made this session. */
  private broken = false;

  /** `enabled`: settings.json's spareWindow (default on), read when asked, so the setting is live. */
  constructor(private readonly enabled: () => boolean) {}

  /**
   * Whether main should make a spare now: only while at least one window shows (or failed) a trace,
   * none is being opened (a spare would compete with it for the CPU), and no spare exists.
   */
  wanted(userWindows: number, opensRunning: number): boolean {
    return this.enabled() && !this.broken && this.spare === undefined && userWindows > 0 && opensRunning === 0;
  }

  created(w: W): void {
    this.spare = w;
    this.ready = false;
  }

  /** The spare's page asked for its trace list: its scripts run and it goes on to load the timeline and WebGL. */
  pageReady(w: W): void {
    if (w === this.spare) this.ready = true;
  }

  isSpare(w: W | undefined): boolean {
    return w !== undefined && w === this.spare;
  }

  get current(): W | undefined {
    return this.spare;
  }

  /**
   * The spare for an open, if its page is ready: from then on it is an ordinary window. A spare still
   * loading is left alone (the open gets a new window, as without a spare).
   */
  take(): W | undefined {
    if (this.spare === undefined || !this.ready) return undefined;
    const w = this.spare;
    this.spare = undefined;
    return w;
  }

  /** The spare's page crashed or failed to load. Returns whether `w` was the spare (main then destroys it). */
  failed(w: W): boolean {
    if (!this.isSpare(w)) return false;
    this.spare = undefined;
    this.broken = true;
    return true;
  }

  /** The spare window went (main dropped it, or the app quits). Returns whether `w` was the spare. */
  gone(w: W): boolean {
    if (!this.isSpare(w)) return false;
    this.spare = undefined;
    return true;
  }

  /**
   * The spare must go when no user window is left: Electron counts hidden windows, so a spare alive
   * would keep 'window-all-closed' from firing and the app from quitting.
   */
  mustDrop(userWindows: number): boolean {
    return this.spare !== undefined && userWindows === 0;
  }
}
