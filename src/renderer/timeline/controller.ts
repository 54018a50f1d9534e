import type { LaneKind, NsysBridge, Ns, TraceInfo } from '../../shared/bridge';
import { NameBook } from './colors';
import { FrameScheduler } from './frame-scheduler';
import { FrameStats } from './frame-stats';
import { sliceAt } from './hit-test';
import { attachInput } from './input';
import { buildRowTree, layoutRows, NVTX_DEPTH_PX, rowForTrack, type LaidRow, type RowNode } from './layout';
import {
  arrangeRows,
  defaultRowPrefs,
  filterRowsToTracks,
  loadRowPrefs,
  moveRow,
  moveRowBy,
  quietThreads,
  rowPrefsKey,
  saveRowPrefs,
  setHidden,
  setPinned,
  showAllRows,
  toggleCollapsed,
  type ArrangedRows,
  type PrefsStorage,
  type RowPrefs,
} from './row-arrange';
import { drawOverlay, type FlowArrow } from './overlay';
import { takePrewarmedScene, TimelineScene } from './renderer';
import {
  buildSliceInstances,
  buildSummaryInstances,
  drawRowBands,
  drawSliceLabels,
  sliceMatchesSearch,
  utilKeyOf,
  type SearchHighlight,
  type TrackKinds,
} from './scene-builder';
import { GpuBusyLabels } from './gpu-busy-labels';
import { SliceCache } from './slice-cache';
import { ViewStore, type SliceRef, type ViewerState } from './view-store';
import { RULER_HEIGHT_PX, Viewport } from './viewport';

export type { FlowArrow } from './overlay';
export type { SliceRef, ViewerState } from './view-store';

/**
 * Owns the timeline and wires its parts: the viewport, the row layout, the slice cache, the pixi
 * scene (filled by scene-builder.ts and overlay.ts), input, hit testing (hit-test.ts), the view store
 * React reads (view-store.ts) and frames on demand (frame-scheduler.ts): nothing is drawn unless
 * something asked for a frame.
 */
export class TimelineController {
  readonly viewport = new Viewport();
  /** The scene the page started while the trace opened (prewarmScene), so WebGL is ready sooner; else its own. */
  readonly scene = takePrewarmedScene() ?? new TimelineScene();
  readonly cache: SliceCache;
  readonly names: NameBook;
  /** GPU busy % of the visible window per GPU row, for the row labels. */
  readonly gpuBusyLabels: GpuBusyLabels;
  /** The row tree as the trace has it; `arranged` is it as the user arranged it (row-arrange.ts). */
  roots: RowNode[];
  arranged!: ArrangedRows;
  /** Quiet threads per process (row-arrange.ts), grouped and collapsed by default. */
  quiet: ReadonlyMap<number, string[]>;
  private prefsKey: string;
  readonly stats = new FrameStats();
  /** Lane of each track (a kernel row also draws CUDA graph executions) and counter peaks (GPU memory). */
  private kinds: TrackKinds;
  private readonly store = new ViewStore();
  private readonly frames = new FrameScheduler(() => this.frame());
  /** The rows drawn, top to bottom (the view store's visibleRows()). */
  rows: LaidRow[] = [];
  private instancesDirty = true;
  private searchNameIds = new Set<number>();
  /** The search names kernels exactly as nsys stats does (SearchQuery.match 'kernel-name'). */
  private searchByKernelName = false;
  private detachInput: () => void = () => {};
  private resizeObserver: ResizeObserver | null = null;
  private treeEl: HTMLElement | null = null;
  private detailsSeq = 0;
  private searchSeq = 0;
  flows: FlowArrow[] = [];
  /** The selection whose arrows `flows` holds: flows are redrawn a frame after a selection's details arrive. */
  flowsOf: { lane: LaneKind; index: number } | null = null;
  rulerLabelTexts: string[] = [];
  /** Bench only: wait for the GPU at the end of each frame so frame times include rasterisation. */
  syncGpu = false;

  constructor(
    readonly host: HTMLElement,
    readonly bridge: NsysBridge,
    public info: TraceInfo,
  ) {
    this.cache = new SliceCache(bridge, info.traceId, () => {
      this.stats.marks.slicesIn ??= performance.now();
      this.instancesDirty = true;
      this.markDirty();
    });
    this.cache.onError = (e) => this.setState({ error: e });
    this.names = new NameBook(bridge, info.traceId, () => {
      this.instancesDirty = true;
      this.markDirty();
    });
    this.kinds = {
      lane: new Map(info.tracks.map((t) => [t.id, t.lane])),
      counterMax: new Map(info.tracks.flatMap((t) => (t.counterMax === undefined ? [] : [[t.id, t.counterMax] as const]))),
    };
    this.gpuBusyLabels = new GpuBusyLabels(bridge, info.traceId, info.firstEventNs, info.lastEventNs);
    this.roots = buildRowTree(info);
    this.quiet = quietThreads(info);
    this.prefsKey = rowPrefsKey(info);
    this.store.set({ rowPrefs: loadRowPrefs(prefsStorage(), this.prefsKey) ?? defaultRowPrefs(this.quiet) });
    this.relayout();
    this.viewport.setLimits(Math.min(info.firstEventNs, info.lastEventNs), Math.max(info.firstEventNs + 1, info.lastEventNs));
    this.viewport.fit();
  }

  async init(): Promise<void> {
    this.stats.marks.initStart = performance.now();
    // Ask for the first slices while pixi starts (WebGL context + shader compile take a while on
    // SwiftShader): the layout and the canvas size are known already.
    this.viewport.widthPx = Math.max(1, this.host.clientWidth);
    this.viewport.heightPx = Math.max(1, this.host.clientHeight);
    this.viewport.fit();
    // The GPU rows' utilisation is asked with the slices, so the first frame is whole in one round trip.
    this.ensureInView(this.rowsInView());
    this.stats.marks.slicesAsked = performance.now();
    await this.scene.init(this.host);
    if (this.scene.destroyed) return; // the viewer went away while pixi started
    this.stats.marks.pixiReady = performance.now();
    this.stats.marks.webglReady = this.scene.webglReadyAt;
    this.onResize();
    this.resizeObserver = new ResizeObserver(() => this.onResize());
    this.resizeObserver.observe(this.host);
    this.detachInput = attachInput(this);
    this.markDirty();
  }

  /**
   * Nothing left to fetch or draw for the current view: no request in flight and no frame pending.
   * (Between a fetch landing and the frame that draws it, the canvas still shows the old data.)
   */
  get settled(): boolean {
    return this.stats.framesDrawn > 0 && !this.frames.isPending && !this.cache.busyFetching;
  }

  destroy(): void {
    this.frames.stop();
    this.detachInput();
    this.resizeObserver?.disconnect();
    this.scene.destroy();
    this.gpuBusyLabels.dispose();
  }

  // ---- state for React -------------------------------------------------------------------------
  get state(): ViewerState {
    return this.store.state;
  }
  subscribe = (fn: () => void): (() => void) => this.store.subscribe(fn);
  getState = (): ViewerState => this.store.state;
  setState(patch: Partial<ViewerState>): void {
    this.store.set(patch);
  }

  /** Asks for one frame (the scene is redrawn once, however often this is called before it runs). */
  markDirty(): void {
    // Before init the scene has no canvas; init asks for the first frame itself.
    if (this.scene.ready) this.frames.request();
  }

  private viewListeners = new Set<() => void>();
  /**
   * Called after each viewChanged() (input, fit, reveal, automation): for what follows the window
   * outside React, such as the serve page's URL fragment. Returns the unsubscribe function.
   */
  onViewChange(fn: () => void): () => void {
    this.viewListeners.add(fn);
    return () => this.viewListeners.delete(fn);
  }

  /** Called after every viewport change from input: redraw and tell React about the new window. */
  viewChanged(): void {
    this.markDirty();
    for (const fn of this.viewListeners) fn();
    // The slice under a still mouse changes with the view: drop the tooltip until the mouse moves.
    // No React update otherwise: panning must not re-render the shell every frame.
    if (this.state.hover) this.setState({ hover: null });
  }

  private onResize(): void {
    const w = Math.max(1, this.host.clientWidth);
    const h = Math.max(1, this.host.clientHeight);
    const vp = this.viewport;
    if (vp.widthPx !== w || vp.heightPx !== h) {
      vp.widthPx = w;
      vp.heightPx = h;
      this.scene.resize(w, h);
      this.stats.resizes++;
      vp.scrollTo(vp.scrollY);
      this.viewChanged();
    }
  }

  /**
   * Progressive first frame (issue 15): the trace's CPU rows landed after its GPU rows were drawn.
   * The rows are rebuilt (collapsed groups stay collapsed), slices already fetched stay (a GPU
   * row's events do not change), and the view stays where the user put it, unless it still showed
   * the whole trace: then it shows the whole, possibly wider, trace again.
   */
  updateInfo(info: TraceInfo): void {
    const vp = this.viewport;
    const wasFit = vp.t0 <= vp.limit0 && vp.t1 >= vp.limit1;
    this.info = info;
    this.kinds = {
      lane: new Map(info.tracks.map((t) => [t.id, t.lane])),
      counterMax: new Map(info.tracks.flatMap((t) => (t.counterMax === undefined ? [] : [[t.id, t.counterMax] as const]))),
    };
    this.roots = buildRowTree(info);
    // The CPU rows bring the quiet threads, and the trace's shape (the key its row choices are saved
    // under) is the full one now: saved choices for it win; else the ones made while loading stay,
    // with the new quiet groups collapsed as on a first open.
    this.quiet = quietThreads(info);
    this.prefsKey = rowPrefsKey(info);
    const saved = loadRowPrefs(prefsStorage(), this.prefsKey);
    const now = this.state.rowPrefs;
    const fresh = defaultRowPrefs(this.quiet);
    this.store.set({ rowPrefs: saved ?? { ...now, collapsed: [...new Set([...now.collapsed, ...fresh.collapsed])] } });
    // Collapsed groups summarise their tracks: a group that gained rows needs a new busy profile.
    this.cache.busy.clear();
    vp.setLimits(Math.min(info.firstEventNs, info.lastEventNs), Math.max(info.firstEventNs + 1, info.lastEventNs));
    if (wasFit) vp.fit();
    this.relayout();
    this.setState({ rowsVersion: this.state.rowsVersion + 1 });
  }

  // ---- rows --------------------------------------------------------------------------------------
  relayout(): void {
    this.relayoutWith(this.state);
  }

  /**
   * Lays out the rows for a state about to be set (so React, told of it, reads the new rows). While
   * search filters rows, groups holding matches are shown open: the point is to see the matches.
   */
  private relayoutWith(s: Pick<ViewerState, 'rowPrefs' | 'filterRows' | 'search'>): void {
    this.arranged = arrangeRows(this.roots, s.rowPrefs, this.quiet);
    const matches = s.filterRows && s.search.result ? new Set(s.search.result.trackIds) : null;
    const shown = matches ? filterRowsToTracks(this.arranged.roots, matches) : this.arranged.roots;
    const { rows, heightPx } = layoutRows(shown, matches ? new Set() : new Set(s.rowPrefs.collapsed));
    this.rows = rows;
    this.store.publishRows(rows);
    this.viewport.contentHeightPx = heightPx;
    this.viewport.scrollTo(this.viewport.scrollY);
    this.instancesDirty = true;
    this.markDirty();
  }

  /** Applies and saves new row choices (per trace, in localStorage where the page has it). */
  setRowPrefs(rowPrefs: RowPrefs): void {
    if (rowPrefs === this.state.rowPrefs) return;
    this.relayoutWith({ ...this.state, rowPrefs });
    this.setState({ rowPrefs, rowsVersion: this.state.rowsVersion + 1 });
    saveRowPrefs(prefsStorage(), this.prefsKey, rowPrefs);
  }

  toggleRow(key: string): void {
    this.setRowPrefs(toggleCollapsed(this.state.rowPrefs, key));
  }

  isCollapsed(key: string): boolean {
    return this.state.rowPrefs.collapsed.includes(key);
  }

  hideRow(key: string, hide = true): void {
    this.setRowPrefs(setHidden(this.state.rowPrefs, key, hide));
  }

  pinRow(key: string, pin = true): void {
    this.setRowPrefs(setPinned(this.state.rowPrefs, key, pin));
  }

  isPinned(key: string): boolean {
    return this.arranged.pinned.includes(key);
  }

  /** Drag and drop in the row tree: `key` before or after `target`, a row of the same parent. */
  moveRow(key: string, target: string, place: 'before' | 'after'): void {
    this.setRowPrefs(moveRow(this.state.rowPrefs, this.arranged, key, target, place));
  }

  /** One place up (-1) or down (+1) among the row's siblings. */
  moveRowBy(key: string, delta: -1 | 1): void {
    this.setRowPrefs(moveRowBy(this.state.rowPrefs, this.arranged, key, delta));
  }

  /** Hidden rows back, quiet threads shown; pins and order stay. */
  showAllRows(): void {
    this.setRowPrefs(showAllRows(this.state.rowPrefs));
  }

  /** The rows as a first open shows them. */
  resetRows(): void {
    this.setRowPrefs(defaultRowPrefs(this.quiet));
  }

  setFilterRows(filterRows: boolean): void {
    if (filterRows === this.state.filterRows) return;
    this.relayoutWith({ ...this.state, filterRows });
    this.setState({ filterRows, rowsVersion: this.state.rowsVersion + 1 });
  }

  /** The rows the user chose to see, in drawn order (see ViewStore.visibleRows). */
  visibleRows(): readonly LaidRow[] {
    return this.store.visibleRows();
  }

  attachTree(el: HTMLElement | null): void {
    this.treeEl = el;
    this.markDirty();
  }

  /** Shown rows within the canvas's height (plus a margin): what a frame fetches and draws. */
  private rowsInView(): LaidRow[] {
    const vp = this.viewport;
    const top = vp.scrollY - 200;
    const bottom = vp.scrollY + vp.heightPx + 200;
    return this.rows.filter((r) => r.y + r.h >= top && r.y <= bottom);
  }

  // ---- public API (panels, keyboard, tests) ------------------------------------------------------
  fit(): void {
    this.viewport.fit();
    this.viewChanged();
  }

  /** Show [t0, t1] with a little margin. */
  revealTime(t0: Ns, t1: Ns): void {
    const span = Math.max(t1 - t0, 1000);
    this.viewport.set(t0 - span * 0.1, t0 + span * 1.1);
    this.viewChanged();
  }

  /** Scroll so the track's row is on screen (expanding nothing: collapsed groups show it as a summary). */
  revealTrack(trackId: string): void {
    const row = rowForTrack(this.rows, trackId);
    if (!row) return;
    const vp = this.viewport;
    const visibleH = vp.heightPx - RULER_HEIGHT_PX;
    if (row.y < vp.scrollY || row.y + row.h > vp.scrollY + visibleH) vp.scrollTo(row.y - visibleH / 3);
    this.markDirty();
  }

  zoomToSelection(): void {
    const r = this.state.range;
    if (r) return this.revealTime(r.t0, r.t1);
    const d = this.state.selected?.details;
    if (d) this.revealTime(d.startNs, d.endNs);
  }

  setRange(range: { t0: Ns; t1: Ns } | null): void {
    this.setState({ range });
    this.markDirty();
  }

  async selectEvent(lane: LaneKind, index: number): Promise<void> {
    const seq = ++this.detailsSeq;
    this.setState({ selected: { lane, index, details: null } });
    this.markDirty();
    const r = await this.bridge.getEventDetails(this.info.traceId, lane, index);
    if (seq !== this.detailsSeq) return;
    if (!r.ok) return this.setState({ error: r.error, selected: null });
    this.setState({ selected: { lane, index, details: r.value } });
    this.markDirty();
  }

  clearSelection(): void {
    this.detailsSeq++;
    this.setState({ selected: null });
    this.markDirty();
  }

  /** Jump to the first correlated partner of the selected event (API call ↔ GPU op). */
  async jumpToPartner(): Promise<void> {
    const p = this.state.selected?.details?.partners[0];
    if (!p) return;
    this.revealTime(p.startNs, p.endNs);
    this.revealTrack(p.trackId);
    await this.selectEvent(p.lane, p.index);
  }

  /** `match` 'kernel-name': `text` is one kernel's exact demangled name (the compare view's kernel rows). */
  async search(text: string, regex: boolean, match: 'name' | 'kernel-name' = 'name'): Promise<void> {
    const seq = ++this.searchSeq;
    this.searchByKernelName = match === 'kernel-name';
    let search: ViewerState['search'];
    if (text === '') {
      search = { text, regex, result: null, current: -1, error: null };
    } else {
      const r = await this.bridge.search(this.info.traceId, { text, regex, limit: 10_000, ...(match === 'kernel-name' ? { match } : {}) });
      // A slower answer to an older query must not replace a newer one (the filter would show its rows).
      if (seq !== this.searchSeq) return;
      search = r.ok
        ? { text, regex, result: r.value, current: -1, error: null }
        : { text, regex, result: null, current: -1, error: r.error };
    }
    this.searchNameIds = new Set(search.result?.nameIds ?? []);
    if (this.state.filterRows) {
      this.relayoutWith({ ...this.state, search });
      this.setState({ search, rowsVersion: this.state.rowsVersion + 1 });
    } else {
      this.setState({ search });
    }
    this.instancesDirty = true;
    this.markDirty();
  }

  /** Next (+1) or previous (-1) search hit: reveal and select it. */
  async nextMatch(dir: 1 | -1): Promise<void> {
    const s = this.state.search;
    const hits = s.result?.hits ?? [];
    if (hits.length === 0) return;
    const current = (s.current + dir + hits.length) % hits.length;
    this.setState({ search: { ...s, current } });
    const h = hits[current];
    this.revealTime(h.startNs, h.endNs);
    this.revealTrack(h.trackId);
    await this.selectEvent(h.lane, h.index);
  }

  toggleHelp(open?: boolean): void {
    this.setState({ helpOpen: open ?? !this.state.helpOpen });
  }

  /** Canvas-relative x of a time, and the centre y of a track's visible row (undefined when none). */
  timeToCanvasX(t: Ns): number {
    return this.viewport.timeToX(t);
  }
  trackCanvasY(trackId: string, depth = 0): number | undefined {
    const row = rowForTrack(this.rows, trackId);
    if (!row) return undefined;
    const y =
      (row.node.lane === 'nvtx' || row.node.lane === 'nvtx-gpu') && !row.collapsed
        ? row.y + 1 + depth * NVTX_DEPTH_PX + NVTX_DEPTH_PX / 2
        : row.y + row.h / 2;
    return this.viewport.contentToCanvasY(y);
  }

  private searchHighlight(): SearchHighlight {
    return {
      nameIds: this.searchNameIds,
      active: this.searchNameIds.size > 0 || this.state.search.result !== null,
      byKernelName: this.searchByKernelName,
    };
  }

  /** Slices in the visible window the scene draws as search matches, and the events they merge (tests read this). */
  highlightedSlices(): { slices: number; events: number } {
    const search = this.searchHighlight();
    const { t0, t1 } = this.viewport;
    let slices = 0;
    let events = 0;
    for (const s of this.cache.slices.values())
      for (let k = 0; k < s.count; k++)
        if (s.endNs[k] >= t0 && s.startNs[k] <= t1 && sliceMatchesSearch(search, s, k)) {
          slices++;
          events += s.eventCount[k];
        }
    return { slices, events };
  }

  // ---- hit testing -------------------------------------------------------------------------------
  sliceAt(x: number, y: number): SliceRef | null {
    return sliceAt(this.rows, this.cache.slices, this.viewport, x, y, this.kinds.lane);
  }

  // ---- drawing -----------------------------------------------------------------------------------
  /** Asks the slice cache for what the rows in view need: slices, collapsed groups' busy profiles, GPU utilisation. */
  private ensureInView(visible: LaidRow[]): void {
    const vp = this.viewport;
    const laneIds: string[] = [];
    const groups: { key: string; trackIds: string[] }[] = [];
    const utilKeys: string[] = [];
    for (const r of visible) {
      const util = utilKeyOf(r.node);
      if (util) utilKeys.push(util);
      if (r.node.kind === 'lane') laneIds.push(...r.node.trackIds);
      else if (r.collapsed && !util) groups.push({ key: r.node.key, trackIds: r.node.trackIds });
    }
    this.cache.ensure(vp.t0, vp.t1, vp.widthPx, laneIds, groups, utilKeys);
  }

  private frame(): void {
    const started = performance.now();
    const vp = this.viewport;
    const visible = this.rowsInView();
    this.ensureInView(visible);
    this.gpuBusyLabels.viewIs(vp.t0, vp.t1);
    const origin = this.cache.window?.t0 ?? 0;
    if (this.instancesDirty) {
      this.instancesDirty = false;
      const search = this.searchHighlight();
      buildSliceInstances(this.scene.rects, this.rows, this.cache.slices, origin, this.names, search, this.kinds);
      buildSummaryInstances(this.scene.summary, this.rows, this.cache, origin);
    }
    this.scene.rects.setView(vp.t0 - origin, vp.pxPerNs, vp.scrollY, RULER_HEIGHT_PX, vp.widthPx, vp.heightPx);
    this.scene.summary.setView(vp.t0 - origin, vp.pxPerNs, vp.scrollY, RULER_HEIGHT_PX, vp.widthPx, vp.heightPx);
    drawRowBands(this.scene, vp, visible);
    this.scene.beginLabels();
    drawSliceLabels(this.scene, vp, visible, this.cache, this.names);
    const overlay = drawOverlay(this.scene, vp, this.rows, this.state, this.info.sessionStartNs, (id) => this.trackCanvasY(id));
    this.flows = overlay.flows;
    const selected = this.state.selected;
    this.flowsOf = selected?.details ? { lane: selected.lane, index: selected.index } : null;
    this.rulerLabelTexts = overlay.rulerLabels;
    this.scene.endLabels();
    this.names.flush();
    if (this.treeEl) this.treeEl.style.transform = `translateY(${RULER_HEIGHT_PX - vp.scrollY}px)`;
    this.scene.render();
    if (this.syncGpu) this.scene.finishGpu();
    const now = performance.now();
    this.stats.record(now - started, this.cache.slices.size > 0, now);
  }
}

/** Where row choices persist: the page's localStorage, when it has one and lets us use it. */
function prefsStorage(): PrefsStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // opaque origins throw on access
  }
}
