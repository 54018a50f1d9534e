import type { LaneKind, NsysBridge, Ns, TraceInfo } from '../../shared/bridge';
import { NameBook } from './colors';
import { FrameScheduler } from './frame-scheduler';
import { FrameStats } from './frame-stats';
import { sliceAt } from './hit-test';
import { attachInput } from './input';
import { buildRowTree, layoutRows, NVTX_DEPTH_PX, rowForTrack, type LaidRow, type RowNode } from './layout';
import { drawOverlay, type FlowArrow } from './overlay';
import { TimelineScene } from './renderer';
import { buildSliceInstances, buildSummaryInstances, drawRowBands, drawSliceLabels, type TrackKinds } from './scene-builder';
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
  readonly scene = new TimelineScene();
  readonly cache: SliceCache;
  readonly names: NameBook;
  readonly roots: RowNode[];
  readonly stats = new FrameStats();
  /** Lane of each track (a kernel row also draws CUDA graph executions) and counter peaks (GPU memory). */
  private readonly kinds: TrackKinds;
  private readonly store = new ViewStore();
  private readonly frames = new FrameScheduler(() => this.frame());
  rows: LaidRow[] = [];
  private collapsed = new Set<string>();
  private instancesDirty = true;
  private searchNameIds = new Set<number>();
  private detachInput: () => void = () => {};
  private resizeObserver: ResizeObserver | null = null;
  private treeEl: HTMLElement | null = null;
  private detailsSeq = 0;
  flows: FlowArrow[] = [];
  /** The selection whose arrows `flows` holds: flows are redrawn a frame after a selection's details arrive. */
  flowsOf: { lane: LaneKind; index: number } | null = null;
  rulerLabelTexts: string[] = [];
  /** Bench only: wait for the GPU at the end of each frame so frame times include rasterisation. */
  syncGpu = false;

  constructor(
    readonly host: HTMLElement,
    readonly bridge: NsysBridge,
    readonly info: TraceInfo,
  ) {
    this.cache = new SliceCache(bridge, info.traceId, () => {
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
    this.roots = buildRowTree(info);
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
    const visible = this.visibleRows();
    this.cache.ensure(
      this.viewport.t0,
      this.viewport.t1,
      this.viewport.widthPx,
      visible.filter((r) => r.node.kind === 'lane').flatMap((r) => r.node.trackIds),
      visible.filter((r) => r.collapsed).map((r) => ({ key: r.node.key, trackIds: r.node.trackIds })),
    );
    await this.scene.init(this.host);
    if (this.scene.destroyed) return; // the viewer went away while pixi started
    this.stats.marks.pixiReady = performance.now();
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
      vp.scrollTo(vp.scrollY);
      this.viewChanged();
    }
  }

  // ---- rows --------------------------------------------------------------------------------------
  relayout(): void {
    const { rows, heightPx } = layoutRows(this.roots, this.collapsed);
    this.rows = rows;
    this.viewport.contentHeightPx = heightPx;
    this.viewport.scrollTo(this.viewport.scrollY);
    this.instancesDirty = true;
    this.markDirty();
  }

  toggleRow(key: string): void {
    if (this.collapsed.has(key)) this.collapsed.delete(key);
    else this.collapsed.add(key);
    this.relayout();
    this.setState({ rowsVersion: this.state.rowsVersion + 1 });
  }

  isCollapsed(key: string): boolean {
    return this.collapsed.has(key);
  }

  attachTree(el: HTMLElement | null): void {
    this.treeEl = el;
    this.markDirty();
  }

  private visibleRows(): LaidRow[] {
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

  async search(text: string, regex: boolean): Promise<void> {
    if (text === '') {
      this.searchNameIds = new Set();
      this.setState({ search: { text, regex, result: null, current: -1, error: null } });
      this.instancesDirty = true;
      this.markDirty();
      return;
    }
    const r = await this.bridge.search(this.info.traceId, { text, regex, limit: 10_000 });
    if (!r.ok) {
      this.searchNameIds = new Set();
      this.setState({ search: { text, regex, result: null, current: -1, error: r.error } });
    } else {
      this.searchNameIds = new Set(r.value.nameIds);
      this.setState({ search: { text, regex, result: r.value, current: -1, error: null } });
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

  // ---- hit testing -------------------------------------------------------------------------------
  sliceAt(x: number, y: number): SliceRef | null {
    return sliceAt(this.rows, this.cache.slices, this.viewport, x, y, this.kinds.lane);
  }

  // ---- drawing -----------------------------------------------------------------------------------
  private frame(): void {
    const started = performance.now();
    const vp = this.viewport;
    const visible = this.visibleRows();
    const laneIds: string[] = [];
    const groups: { key: string; trackIds: string[] }[] = [];
    for (const r of visible) {
      if (r.node.kind === 'lane') laneIds.push(...r.node.trackIds);
      else if (r.collapsed) groups.push({ key: r.node.key, trackIds: r.node.trackIds });
    }
    this.cache.ensure(vp.t0, vp.t1, vp.widthPx, laneIds, groups);
    const origin = this.cache.window?.t0 ?? 0;
    if (this.instancesDirty) {
      this.instancesDirty = false;
      const search = { nameIds: this.searchNameIds, active: this.searchNameIds.size > 0 || this.state.search.result !== null };
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
