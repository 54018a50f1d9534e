import type { Ns } from '../shared/bridge';
import type { ScreenshotOptions, ScreenshotResult } from './screenshot/capture';
import type { TimelineController } from './timeline/controller';
import { utilRectCounts } from './timeline/scene-builder';

/**
 * The timeline's automation API, `window.__nsysAutomation`: what `nsys-viewer screenshot` drives in
 * headless Chromium (view a window, wait until drawn, take the PNG), and what the browser tests and
 * the timeline bench read (page coordinates of a time or a track's row, a snapshot of what the
 * timeline shows, frame timings). It exposes nothing the page does not already hold.
 */
export interface NsysAutomationApi {
  ready(): boolean;
  timeToX(t: Ns): number;
  trackY(trackId: string): number | null;
  canvasRect(): { left: number; top: number; width: number; height: number };
  state(): {
    view: { t0: Ns; t1: Ns };
    marks: Record<string, number>;
    rulerLabels: string[];
    /** The drawn rows, top to bottom (the view store's visibleRows()). */
    rows: { key: string; label: string; collapsed: boolean; pinned: boolean }[];
    /** Rows the user hid that exist in this trace. */
    hiddenRows: number;
    filterRows: boolean;
    slicesLoaded: number;
    fetching: boolean;
    fetches: number;
    lastFetchMs: number;
    hoverName: string | null;
    selected: { lane: string; index: number; partners: number } | null;
    flows: { from: { x: number; y: number }; to: { x: number; y: number } }[];
    /** Which selection the drawn `flows` belong to (they lag `selected` by a frame). */
    flowsOf: { lane: string; index: number } | null;
    searchTotal: number;
    framesDrawn: number;
    firstFrameAt: number;
    /** Canvas resizes since the timeline started (FrameStats.resizes). */
    resizes: number;
    labels: number;
    /** The slice labels drawn in the last frame. */
    labelTexts: string[];
    /** Utilisation tracks drawn in the last instance build: GPU row key → rectangles (scene-builder.ts). */
    utilRects: Record<string, number>;
  };
  frameMs(): number[];
  resetFrames(): void;
  /**
   * Shows [t0, t1]. `exact` (the screenshot command) draws that window even where it reaches past
   * the trace's pan limits, instead of sliding it back inside them.
   */
  view(t0: Ns, t1: Ns, exact?: boolean): void;
  /** Same paths as drag and wheel input (viewport + viewChanged). */
  panPx(dx: number): void;
  /** Redraw the same view (what a frame costs without any data or view change). */
  redraw(): void;
  zoom(factor: number): void;
  /** Bench: include GPU completion (gl.finish) in frameMs. */
  syncGpu(on: boolean): void;
  /** Row choices, as the row tree's menu, keys and drag make them. */
  rowAction(key: string, action: 'hide' | 'show' | 'pin' | 'unpin' | 'up' | 'down' | 'toggle'): void;
  moveRow(key: string, target: string, place: 'before' | 'after'): void;
  showAllRows(): void;
  resetRows(): void;
  /** Runs a search as the search box does (without its debounce); resolves with the match count. */
  search(text: string, regex?: boolean): Promise<number>;
  /** Search's "filter rows" toggle. */
  filterRows(on: boolean): void;
  /** PNG of the ruler + chosen lanes + caption, once the frame settled (`nsys-viewer screenshot`, tests). */
  screenshot(opts?: ScreenshotOptions): Promise<ScreenshotResult>;
}

declare global {
  interface Window {
    __nsysAutomation?: NsysAutomationApi;
  }
}

/** Removes the API if it still belongs to this controller (a destroyed timeline must not answer). */
export function uninstallAutomationApi(c: TimelineController): void {
  if (installedFor === c) {
    delete window.__nsysAutomation;
    installedFor = null;
  }
}

let installedFor: TimelineController | null = null;

export function installAutomationApi(c: TimelineController): void {
  installedFor = c;
  const rect = () => c.scene.canvas.getBoundingClientRect();
  window.__nsysAutomation = {
    ready: () => c.settled && c.cache.slices.size > 0,
    timeToX: (t) => rect().left + c.timeToCanvasX(t),
    trackY: (id) => {
      const y = c.trackCanvasY(id);
      return y === undefined ? null : rect().top + y;
    },
    canvasRect: () => {
      const r = rect();
      return { left: r.left, top: r.top, width: r.width, height: r.height };
    },
    state: () => {
      const r = rect();
      const s = c.state;
      return {
        view: { t0: c.viewport.t0, t1: c.viewport.t1 },
        marks: { ...c.stats.marks },
        rulerLabels: [...c.rulerLabelTexts],
        rows: c.visibleRows().map((row) => ({
          key: row.node.key,
          label: row.node.label,
          collapsed: row.collapsed,
          pinned: c.isPinned(row.node.key),
        })),
        hiddenRows: c.arranged.hiddenCount,
        filterRows: s.filterRows,
        slicesLoaded: [...c.cache.slices.values()].reduce((n, x) => n + x.count, 0),
        fetching: c.cache.busyFetching,
        fetches: c.cache.stats.requests,
        lastFetchMs: c.cache.stats.lastFetchMs,
        hoverName: s.hover ? (c.names.name(s.hover.nameId) ?? null) : null,
        selected: s.selected
          ? { lane: s.selected.lane, index: s.selected.index, partners: s.selected.details?.partners.length ?? -1 }
          : null,
        flows: c.flows.map((f) => ({ from: { x: f.from.x + r.left, y: f.from.y + r.top }, to: { x: f.to.x + r.left, y: f.to.y + r.top } })),
        flowsOf: c.flowsOf ? { ...c.flowsOf } : null,
        searchTotal: s.search.result?.total ?? 0,
        framesDrawn: c.stats.framesDrawn,
        firstFrameAt: c.stats.firstFrameAt,
        resizes: c.stats.resizes,
        labels: c.scene.labelCount,
        labelTexts: [...c.scene.labelTexts],
        utilRects: Object.fromEntries(utilRectCounts),
      };
    },
    frameMs: () => [...c.stats.frameMs],
    resetFrames: () => {
      c.stats.frameMs.length = 0;
    },
    view: (t0, t1, exact) => {
      if (exact) c.viewport.showExactly(t0, t1);
      else c.viewport.set(t0, t1);
      c.viewChanged();
    },
    redraw: () => c.markDirty(),
    panPx: (dx) => {
      c.viewport.panPx(dx);
      c.viewChanged();
    },
    zoom: (factor) => {
      c.viewport.zoomAt(c.viewport.widthPx / 2, factor);
      c.viewChanged();
    },
    syncGpu: (on) => {
      c.syncGpu = on;
    },
    rowAction: (key, action) => {
      if (action === 'hide' || action === 'show') c.hideRow(key, action === 'hide');
      else if (action === 'pin' || action === 'unpin') c.pinRow(key, action === 'pin');
      else if (action === 'up' || action === 'down') c.moveRowBy(key, action === 'up' ? -1 : 1);
      else c.toggleRow(key);
    },
    moveRow: (key, target, place) => c.moveRow(key, target, place),
    showAllRows: () => c.showAllRows(),
    resetRows: () => c.resetRows(),
    search: async (text, regex = false) => {
      await c.search(text, regex);
      return c.state.search.result?.total ?? 0;
    },
    filterRows: (on) => c.setFilterRows(on),
    // The PNG code is a chunk of its own (with the Export panel's): no first frame needs it.
    screenshot: async (opts) => (await import('./screenshot/capture')).captureForAutomation(c, opts),
  };
}
