import type { LodSlices, NsysBridge, Ns } from '../../shared/bridge';

/**
 * What the renderer holds of the trace: level-of-detail slices of the lanes in view, for one
 * buffered window, never the events themselves.
 *
 * The window is quantised so that small pans and zooms reuse it: resolution q = 2^floor(log2(ns per
 * pixel)), chunk = q × canvas width; the window is the view plus one view span on each side (3× the
 * visible span), widened to chunk boundaries. It is refetched only when the view leaves it or q
 * changes (zoom by 2× either way), and then only for lanes that are on screen.
 * While a fetch is in flight the old slices are drawn, stretched by the shader.
 */
export interface CacheWindow {
  t0: Ns;
  t1: Ns;
  widthPx: number;
  q: number;
}

const MAX_REQUEST_PX = 16384;

export function windowFor(view0: Ns, view1: Ns, widthPx: number): CacheWindow {
  const span = view1 - view0;
  const nsPerPx = Math.max(1e-3, span / Math.max(1, widthPx));
  const q = Math.pow(2, Math.floor(Math.log2(nsPerPx)));
  const chunk = q * widthPx;
  // One view span of margin on each side, widened to chunk boundaries (so nearby views share it).
  const t0 = Math.floor((view0 - span) / chunk) * chunk;
  const t1 = Math.ceil((view1 + span) / chunk) * chunk;
  // Very wide canvases: coarser slices rather than a request over the service's pixel limit.
  let px = Math.round((t1 - t0) / q);
  while (px > MAX_REQUEST_PX) px = Math.ceil(px / 2);
  return { t0, t1, widthPx: px, q };
}

export function windowCovers(w: CacheWindow, view0: Ns, view1: Ns, widthPx: number): boolean {
  const nsPerPx = (view1 - view0) / Math.max(1, widthPx);
  return view0 >= w.t0 && view1 <= w.t1 && nsPerPx >= w.q && nsPerPx < 2 * w.q;
}

export interface CacheStats {
  requests: number;
  lastFetchMs: number;
}

export class SliceCache {
  window: CacheWindow | null = null;
  /** Latest slices per track (possibly from an older window while a fetch runs). */
  readonly slices = new Map<string, LodSlices>();
  /** Busy profile per collapsed group key, with the window it was computed for. */
  readonly busy = new Map<string, { w: CacheWindow; values: Float32Array }>();
  /** GPU utilisation per GPU row key (`gpu:0`, `stream:0/34/7`: core/query/gpu-busy.ts), per pixel of its window. */
  readonly util = new Map<string, { w: CacheWindow; values: Float64Array }>();
  /** Which window each track's slices belong to. */
  private readonly sliceWindow = new Map<string, CacheWindow>();
  private inFlight = false;
  stats: CacheStats = { requests: 0, lastFetchMs: 0 };
  onError: (msg: string) => void = () => {};

  constructor(
    private readonly bridge: NsysBridge,
    private readonly traceId: string,
    /** Called when new data arrived: rebuild instances and redraw. */
    private readonly onData: () => void,
  ) {}

  get busyFetching(): boolean {
    return this.inFlight;
  }

  /**
   * Make sure the lanes and collapsed groups in view have data for a window covering the view.
   * Cheap when nothing is missing: call it every frame.
   */
  ensure(
    view0: Ns,
    view1: Ns,
    widthPx: number,
    trackIds: string[],
    groups: { key: string; trackIds: string[] }[],
    utilKeys: string[] = [],
  ): void {
    if (!this.window || !windowCovers(this.window, view0, view1, widthPx)) this.window = windowFor(view0, view1, widthPx);
    const w = this.window;
    const missing = trackIds.filter((id) => this.sliceWindow.get(id) !== w);
    const missingGroups = groups.filter((g) => this.busy.get(g.key)?.w !== w);
    const missingUtil = utilKeys.filter((k) => this.util.get(k)?.w !== w);
    if (missing.length === 0 && missingGroups.length === 0 && missingUtil.length === 0) return;
    // One request at a time; when it lands, onData() marks the frame dirty and the next frame asks again.
    if (this.inFlight) return;
    void this.fetch(w, missing, missingGroups, missingUtil);
  }

  private async fetch(
    w: CacheWindow,
    trackIds: string[],
    groups: { key: string; trackIds: string[] }[],
    utilKeys: string[],
  ): Promise<void> {
    this.inFlight = true;
    const started = performance.now();
    try {
      // Asked together, drawn as each lands: the slices (the rows' content) do not wait for the
      // utilisation and busy profiles, which the host computes after them (issue 15: at the first
      // frame the GPU busy union is built then, ~0.1–0.5 s on a loaded 2-core machine).
      const slices = trackIds.length
        ? this.bridge.getSlices(
            this.traceId,
            trackIds.map((trackId) => ({ trackId, t0: w.t0, t1: w.t1, widthPx: w.widthPx })),
          )
        : Promise.resolve({ ok: true as const, value: [] as LodSlices[] });
      const rest = Promise.all([
        utilKeys.length
          ? this.bridge.getUtilisation(this.traceId, utilKeys, w.t0, w.t1, w.widthPx)
          : Promise.resolve({ ok: true as const, value: [] as Float64Array[] }),
        ...groups.map((g) => this.bridge.getBusyProfile(this.traceId, g.trackIds, w.t0, w.t1, w.widthPx)),
      ]);
      const res = await slices;
      if (!res.ok) {
        // Remember the failure for this window so the frame loop does not hammer the host.
        this.onError(res.error);
        for (const id of trackIds) this.sliceWindow.set(id, w);
      } else
        for (const s of res.value) {
          this.slices.set(s.trackId, s);
          this.sliceWindow.set(s.trackId, w);
        }
      if (trackIds.length && (utilKeys.length || groups.length)) this.onData();
      const [util, ...busy] = await rest;
      this.stats.requests++;
      this.stats.lastFetchMs = performance.now() - started;
      if (util.ok) util.value.forEach((values, k) => this.util.set(utilKeys[k], { w, values }));
      else {
        this.onError(util.error);
        for (const k of utilKeys) this.util.set(k, { w, values: new Float64Array(0) });
      }
      busy.forEach((b, k) => {
        if (b.ok) this.busy.set(groups[k].key, { w, values: b.value });
        else {
          this.onError(b.error);
          this.busy.set(groups[k].key, { w, values: new Float32Array(0) });
        }
      });
    } finally {
      this.inFlight = false;
    }
    this.onData();
  }
}
