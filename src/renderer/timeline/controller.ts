import type { EventDetails, LaneKind, LodSlices, NsysBridge, Ns, SearchResult, TraceInfo } from '../../shared/bridge';
import { NameBook, THEME } from './colors';
import { attachInput } from './input';
import { buildRowTree, layoutRows, NVTX_DEPTH_PX, rowAtY, rowForTrack, type LaidRow, type RowNode } from './layout';
import { fitLabel, TimelineScene } from './renderer';
import { rulerTicks } from './ruler';
import { SliceCache } from './slice-cache';
import { RULER_HEIGHT_PX, Viewport } from './viewport';

/** A slice under the mouse (or picked): enough to ask the bridge for the representative's details. */
export interface SliceRef {
  trackId: string;
  lane: LaneKind;
  /** Lane-table index of the slice's representative event. */
  index: number;
  eventCount: number;
  startNs: Ns;
  endNs: Ns;
  nameId: number;
}

export interface ViewerState {
  cursorNs: Ns | null;
  hover: (SliceRef & { pageX: number; pageY: number }) | null;
  selected: { lane: LaneKind; index: number; details: EventDetails | null } | null;
  range: { t0: Ns; t1: Ns } | null;
  search: { text: string; regex: boolean; result: SearchResult | null; current: number; error: string | null };
  rowsVersion: number;
  helpOpen: boolean;
  error: string | null;
}

export interface FlowArrow {
  from: { x: number; y: number };
  to: { x: number; y: number };
  partner: EventDetails['partners'][number];
}

const MAX_LABELS = 600;

/**
 * Owns the timeline: viewport, row layout, slice cache, pixi scene, input, and the single
 * requestAnimationFrame loop that redraws only when something marked the frame dirty. React reads
 * `state` (replaced, never mutated, on change) through subscribe().
 */
export class TimelineController {
  readonly viewport = new Viewport();
  readonly scene = new TimelineScene();
  readonly cache: SliceCache;
  readonly names: NameBook;
  readonly roots: RowNode[];
  /** Lane of each track: a kernel row also draws CUDA graph executions (lane 'graph'), see layout.ts. */
  private readonly trackLane: Map<string, LaneKind>;
  rows: LaidRow[] = [];
  private collapsed = new Set<string>();
  private dirty = true;
  private instancesDirty = true;
  private rafId = 0;
  private listeners = new Set<() => void>();
  private searchNameIds = new Set<number>();
  private detachInput: () => void = () => {};
  private resizeObserver: ResizeObserver | null = null;
  private treeEl: HTMLElement | null = null;
  private detailsSeq = 0;
  state: ViewerState;
  /** Frame timings (ms of work inside the frame callback) for the bench and test hooks. */
  readonly frameMs: number[] = [];
  framesDrawn = 0;
  firstFrameAt = 0;
  flows: FlowArrow[] = [];
  /** Bench only: wait for the GPU at the end of each frame so frameMs includes rasterisation. */
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
    this.trackLane = new Map(info.tracks.map((t) => [t.id, t.lane]));
    this.roots = buildRowTree(info);
    this.relayout();
    this.viewport.setLimits(Math.min(info.firstEventNs, info.lastEventNs), Math.max(info.firstEventNs + 1, info.lastEventNs));
    this.viewport.fit();
    this.state = {
      cursorNs: null, hover: null, selected: null, range: null,
      search: { text: '', regex: false, result: null, current: -1, error: null },
      rowsVersion: 0, helpOpen: false, error: null,
    };
  }

  /** performance.now() marks of start-up, for the bench. */
  readonly marks: Record<string, number> = {};

  async init(): Promise<void> {
    this.marks.initStart = performance.now();
    // Ask for the first slices while pixi starts (WebGL context + shader compile take a while on
    // SwiftShader): the layout and the canvas size are known already.
    this.viewport.widthPx = Math.max(1, this.host.clientWidth);
    this.viewport.heightPx = Math.max(1, this.host.clientHeight);
    this.viewport.fit();
    const visible = this.visibleRows();
    this.cache.ensure(this.viewport.t0, this.viewport.t1, this.viewport.widthPx,
      visible.filter((r) => r.node.kind === 'lane').flatMap((r) => r.node.trackIds),
      visible.filter((r) => r.collapsed).map((r) => ({ key: r.node.key, trackIds: r.node.trackIds })));
    await this.scene.init(this.host);
    this.marks.pixiReady = performance.now();
    this.onResize();
    this.resizeObserver = new ResizeObserver(() => this.onResize());
    this.resizeObserver.observe(this.host);
    this.detachInput = attachInput(this);
    const loop = () => {
      this.rafId = requestAnimationFrame(loop);
      if (this.dirty) this.frame();
    };
    this.rafId = requestAnimationFrame(loop);
  }

  /**
   * Nothing left to fetch or draw for the current view: no request in flight and no frame pending.
   * (Between a fetch landing and the frame that draws it, the canvas still shows the old data.)
   */
  get settled(): boolean {
    return this.framesDrawn > 0 && !this.dirty && !this.cache.busyFetching;
  }

  destroy(): void {
    cancelAnimationFrame(this.rafId);
    this.detachInput();
    this.resizeObserver?.disconnect();
    this.scene.destroy();
  }

  // ---- state for React -------------------------------------------------------------------------
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  getState = (): ViewerState => this.state;
  setState(patch: Partial<ViewerState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  markDirty(): void {
    this.dirty = true;
  }

  /** Called after every viewport change from input: redraw and tell React about the new window. */
  viewChanged(): void {
    this.markDirty();
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
    const y = row.node.lane === 'nvtx' && !row.collapsed ? row.y + 1 + depth * NVTX_DEPTH_PX + NVTX_DEPTH_PX / 2 : row.y + row.h / 2;
    return this.viewport.contentToCanvasY(y);
  }

  // ---- hit testing -------------------------------------------------------------------------------
  sliceAt(x: number, y: number): SliceRef | null {
    const vp = this.viewport;
    if (y < RULER_HEIGHT_PX) return null;
    const row = rowAtY(this.rows, vp.canvasToContentY(y));
    if (!row || row.node.kind !== 'lane' || !row.node.lane) return null;
    const depth = row.node.lane === 'nvtx' ? Math.floor((vp.canvasToContentY(y) - row.y - 1) / NVTX_DEPTH_PX) : 0;
    const t = vp.xToTime(x);
    const tol = 2 * vp.nsPerPx;
    let found: SliceRef | null = null;
    let foundDist = Infinity;
    for (const id of row.node.trackIds) {
      const s = this.cache.slices.get(id);
      if (!s || s.count === 0) continue;
      const k = bestSliceAt(s, t, tol, depth);
      if (k < 0) continue;
      const dist = t < s.startNs[k] ? s.startNs[k] - t : t > s.endNs[k] ? t - s.endNs[k] : 0;
      if (dist >= foundDist) continue;
      foundDist = dist;
      found = { trackId: s.trackId, lane: this.trackLane.get(id) ?? row.node.lane, index: s.repIndex[k], eventCount: s.eventCount[k], startNs: s.startNs[k], endNs: s.endNs[k], nameId: s.nameId[k] };
    }
    return found;
  }

  // ---- drawing -----------------------------------------------------------------------------------
  private frame(): void {
    const started = performance.now();
    this.dirty = false;
    const vp = this.viewport;
    const visible = this.visibleRows();
    const laneIds: string[] = [];
    const groups: { key: string; trackIds: string[] }[] = [];
    for (const r of visible) {
      if (r.node.kind === 'lane') laneIds.push(...r.node.trackIds);
      else if (r.collapsed) groups.push({ key: r.node.key, trackIds: r.node.trackIds });
    }
    this.cache.ensure(vp.t0, vp.t1, vp.widthPx, laneIds, groups);
    if (this.instancesDirty) this.buildInstances();
    const origin = this.cache.window?.t0 ?? 0;
    this.scene.rects.setView(vp.t0 - origin, vp.pxPerNs, vp.scrollY, RULER_HEIGHT_PX, vp.widthPx, vp.heightPx);
    this.scene.summary.setView(vp.t0 - origin, vp.pxPerNs, vp.scrollY, RULER_HEIGHT_PX, vp.widthPx, vp.heightPx);
    this.drawRows(visible);
    this.scene.beginLabels();
    this.drawLabels(visible);
    this.drawOverlay();
    this.scene.endLabels();
    this.names.flush();
    if (this.treeEl) this.treeEl.style.transform = `translateY(${RULER_HEIGHT_PX - vp.scrollY}px)`;
    this.scene.render();
    if (this.syncGpu) this.scene.finishGpu();
    const ms = performance.now() - started;
    this.frameMs.push(ms);
    if (this.frameMs.length > 2000) this.frameMs.splice(0, 1000);
    this.framesDrawn++;
    if (this.firstFrameAt === 0 && this.cache.slices.size > 0) this.firstFrameAt = performance.now();
  }

  private buildInstances(): void {
    this.instancesDirty = false;
    const origin = this.cache.window?.t0 ?? 0;
    const rects = this.scene.rects;
    const searching = this.searchNameIds.size > 0 || this.state.search.result !== null;
    rects.begin();
    for (const row of this.rows) {
      if (row.node.kind !== 'lane' || !row.node.lane) continue;
      for (const id of row.node.trackIds) {
        const s = this.cache.slices.get(id);
        if (!s) continue;
        const lane = this.trackLane.get(id) ?? row.node.lane;
        for (let k = 0; k < s.count; k++) {
          let y: number;
          let h: number;
          if (lane === 'nvtx') {
            y = row.y + 1 + s.depth[k] * NVTX_DEPTH_PX;
            h = NVTX_DEPTH_PX - 2;
          } else {
            y = row.y + 2;
            h = row.h - 4;
          }
          const argb = s.colorArgb ? s.colorArgb[k] : -1;
          const rgb = argb >= 0 ? argb % 0x1000000 : this.names.color(lane, s.nameId[k]);
          let alpha = s.eventCount[k] > 1 ? 0.45 + 0.55 * Math.min(1, s.busy[k]) : 1;
          const hit = searching && this.searchNameIds.has(s.nameId[k]);
          if (searching && !hit) alpha *= 0.3;
          rects.push(s.startNs[k] - origin, s.endNs[k] - origin, y, h, rgb, alpha, hit ? 1 : 0);
        }
      }
    }
    rects.commit();
    const summary = this.scene.summary;
    summary.begin();
    for (const row of this.rows) {
      if (!row.collapsed) continue;
      const b = this.cache.busy.get(row.node.key);
      if (!b) continue;
      const color = row.node.side === 'gpu' ? THEME.summaryGpu : THEME.summaryCpu;
      const { w, values } = b;
      const px = (w.t1 - w.t0) / w.widthPx;
      for (let k = 0; k < values.length; k++) {
        const v = values[k];
        if (v < 0.01) continue;
        let e = k + 1;
        while (e < values.length && Math.abs(values[e] - v) < 0.02) e++;
        const hh = Math.max(1, v * (row.h - 4));
        summary.push(w.t0 + k * px - origin, w.t0 + e * px - origin, row.y + row.h - 2 - hh, hh, color, 1, 0);
        k = e - 1;
      }
    }
    summary.commit();
  }

  private drawRows(visible: LaidRow[]): void {
    const g = this.scene.rows;
    const vp = this.viewport;
    g.clear();
    for (const r of visible) {
      const y = vp.contentToCanvasY(r.y);
      if (r.node.kind === 'group') g.rect(0, y, vp.widthPx, r.h).fill(THEME.groupRow);
      else if (r.indent % 2 === 0) g.rect(0, y, vp.widthPx, r.h).fill(THEME.rowAlt);
      g.rect(0, y + r.h - 1, vp.widthPx, 1).fill(THEME.grid);
    }
  }

  private drawLabels(visible: LaidRow[]): void {
    const vp = this.viewport;
    let n = 0;
    for (const r of visible) {
      if (r.node.kind !== 'lane') continue;
      for (const id of r.node.trackIds) {
        const s = this.cache.slices.get(id);
        if (!s) continue;
        const from = Math.max(0, upperBound(s.startNs, vp.t0 - (this.cache.window ? this.cache.window.t1 - this.cache.window.t0 : 0)));
        for (let k = from; k < s.count && n < MAX_LABELS; k++) {
          if (s.startNs[k] > vp.t1) break;
          const x0 = Math.max(0, vp.timeToX(s.startNs[k]));
          const x1 = Math.min(vp.widthPx, vp.timeToX(s.endNs[k]));
          if (x1 - x0 < 40) continue;
          const name = s.eventCount[k] > 1 ? `${s.eventCount[k]} events` : this.names.name(s.nameId[k]);
          if (!name) continue;
          const text = fitLabel(name, x1 - x0);
          if (!text) continue;
          const y = r.node.lane === 'nvtx' ? r.y + 1 + s.depth[k] * NVTX_DEPTH_PX : r.y + 2;
          const cy = vp.contentToCanvasY(y);
          if (cy < RULER_HEIGHT_PX || cy > vp.heightPx) continue;
          this.scene.label(text, x0 + 3, cy + 1, THEME.label);
          n++;
        }
      }
    }
  }

  private drawOverlay(): void {
    const g = this.scene.overlay;
    const vp = this.viewport;
    g.clear();
    // Range selection
    const range = this.state.range;
    if (range) {
      const x0 = vp.timeToX(range.t0);
      const x1 = vp.timeToX(range.t1);
      g.rect(x0, RULER_HEIGHT_PX, Math.max(1, x1 - x0), vp.heightPx - RULER_HEIGHT_PX).fill({ color: THEME.selection, alpha: 0.15 });
      g.rect(x0, RULER_HEIGHT_PX, 1, vp.heightPx).fill(THEME.selection);
      g.rect(x1, RULER_HEIGHT_PX, 1, vp.heightPx).fill(THEME.selection);
    }
    // Hover and selection outlines
    const hover = this.state.hover;
    if (hover) this.outline(g, hover.trackId, hover.startNs, hover.endNs, THEME.hover);
    const sel = this.state.selected?.details;
    if (sel) this.outline(g, sel.trackId, sel.startNs, sel.endNs, THEME.selection);
    // Flow arrows API call → GPU work
    this.flows = [];
    if (sel) {
      for (const p of sel.partners.slice(0, 32)) {
        const ya = this.trackCanvasY(sel.trackId);
        const yb = this.trackCanvasY(p.trackId);
        if (ya === undefined || yb === undefined) continue;
        const a = { x: vp.timeToX(sel.startNs), y: ya };
        const b = { x: vp.timeToX(p.startNs), y: yb };
        const [from, to] = sel.lane === 'cuda-api' ? [a, b] : [b, a];
        this.flows.push({ from, to, partner: p });
        drawArrow(g, from, to);
      }
    }
    // Ruler on top of everything
    g.rect(0, 0, vp.widthPx, RULER_HEIGHT_PX).fill(THEME.rulerBg);
    const { ticks, base } = rulerTicks(vp.t0, vp.t1, vp.widthPx, this.info.sessionStartNs);
    for (const t of ticks) {
      const x = Math.round(vp.timeToX(t.t));
      g.rect(x, RULER_HEIGHT_PX - 8, 1, 8).fill(THEME.tick);
      this.scene.label(t.label, x + 3, 4, THEME.rulerText, true);
    }
    if (base) this.scene.label(`${base} +`, 4, 15, THEME.tick | 0x808080, true);
    if (this.state.cursorNs !== null) {
      const x = Math.round(vp.timeToX(this.state.cursorNs));
      g.rect(x, 0, 1, RULER_HEIGHT_PX).fill(THEME.selection);
    }
    this.rulerLabelTexts = ticks.map((t) => t.label);
  }

  rulerLabelTexts: string[] = [];

  private outline(g: TimelineScene['overlay'], trackId: string, t0: Ns, t1: Ns, color: number): void {
    const row = rowForTrack(this.rows, trackId);
    if (!row) return;
    const vp = this.viewport;
    const x0 = vp.timeToX(t0);
    const w = Math.max(2, vp.timeToX(t1) - x0);
    const y = vp.contentToCanvasY(row.y);
    g.rect(x0 - 1, y + 1, w + 2, row.h - 2).stroke({ color, width: 1.5 });
  }
}

function drawArrow(g: TimelineScene['overlay'], a: { x: number; y: number }, b: { x: number; y: number }): void {
  const dy = b.y - a.y;
  g.moveTo(a.x, a.y).bezierCurveTo(a.x, a.y + dy * 0.5, b.x, b.y - dy * 0.5, b.x, b.y).stroke({ color: THEME.flow, width: 2 });
  const dir = Math.sign(dy) || 1;
  g.poly([b.x, b.y, b.x - 5, b.y - 9 * dir, b.x + 5, b.y - 9 * dir]).fill(THEME.flow);
  g.circle(a.x, a.y, 3).fill(THEME.flow);
}

/** First k with arr[k] > v. */
function upperBound(arr: Float64Array, v: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Slice covering t (within tol) at a depth; the narrowest wins so small events under big ones stay pickable. */
function bestSliceAt(s: LodSlices, t: Ns, tol: number, depth: number): number {
  let best = -1;
  let bestDist = Infinity;
  const hi = upperBound(s.startNs.subarray(0, s.count), t + tol);
  for (let k = hi - 1, seen = 0; k >= 0 && seen < 4096; k--, seen++) {
    if (s.depth[k] !== depth) continue;
    if (s.endNs[k] + tol < t) continue;
    const dist = t < s.startNs[k] ? s.startNs[k] - t : t > s.endNs[k] ? t - s.endNs[k] : 0;
    if (dist < bestDist || (dist === bestDist && best >= 0 && s.endNs[k] - s.startNs[k] < s.endNs[best] - s.startNs[best])) {
      best = k;
      bestDist = dist;
    }
  }
  return best;
}
