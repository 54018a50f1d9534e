import type { Ns } from '../../shared/bridge';

/**
 * Coordinate spaces of the timeline (all CSS pixels; pixi handles devicePixelRatio):
 *
 *   time (ns)      integer ns as the model stores them (file timestamps; labels subtract sessionStartNs)
 *   canvas x (px)  x = (t - t0) * pxPerNs, 0 at the left edge of the canvas, widthPx at the right
 *   content y (px) rows stacked from 0 (first row) down; the row layout (layout.ts) owns it
 *   canvas y (px)  y = contentY - scrollY + RULER_HEIGHT_PX; the ruler occupies [0, RULER_HEIGHT_PX)
 *
 * The GPU never sees absolute ns: instance data is relative to the slice cache's window origin and
 * the vertex shader gets (t0 - origin, pxPerNs) as uniforms, so float32 keeps sub-pixel precision
 * at any zoom (absolute ns ~1e10 would lose 1 µs in float32).
 */
export const RULER_HEIGHT_PX = 28;
/** Finest zoom: 0.05 ns per pixel is far past any event boundary. */
const MIN_SPAN_NS = 50;

export class Viewport {
  t0: Ns = 0;
  t1: Ns = 1;
  widthPx = 1;
  heightPx = 1;
  scrollY = 0;
  contentHeightPx = 0;
  /** The whole trace: zoom-out and pan limits. */
  limit0: Ns = 0;
  limit1: Ns = 1;

  get spanNs(): number {
    return this.t1 - this.t0;
  }
  get pxPerNs(): number {
    return this.widthPx / this.spanNs;
  }
  get nsPerPx(): number {
    return this.spanNs / this.widthPx;
  }
  timeToX(t: Ns): number {
    return (t - this.t0) * this.pxPerNs;
  }
  xToTime(x: number): Ns {
    return this.t0 + x / this.pxPerNs;
  }
  contentToCanvasY(y: number): number {
    return y - this.scrollY + RULER_HEIGHT_PX;
  }
  canvasToContentY(y: number): number {
    return y + this.scrollY - RULER_HEIGHT_PX;
  }

  setLimits(t0: Ns, t1: Ns): void {
    const pad = Math.max(1, (t1 - t0) * 0.01);
    this.limit0 = t0 - pad;
    this.limit1 = t1 + pad;
  }
  fit(): void {
    this.set(this.limit0, this.limit1);
  }
  set(t0: Ns, t1: Ns): void {
    let span = Math.max(MIN_SPAN_NS, Math.min(t1 - t0, this.limit1 - this.limit0));
    if (!Number.isFinite(span)) span = this.limit1 - this.limit0;
    let a = (t0 + t1) / 2 - span / 2;
    a = Math.min(Math.max(a, this.limit0), this.limit1 - span);
    this.t0 = a;
    this.t1 = a + span;
  }
  /**
   * Exactly [t0, t1]: the pan limits widen to hold it. set() keeps the view inside the limits (the
   * events ± 1%), so a window asked for past the last event would slide back and show other times.
   */
  showExactly(t0: Ns, t1: Ns): void {
    this.limit0 = Math.min(this.limit0, t0);
    this.limit1 = Math.max(this.limit1, t1);
    this.set(t0, t1);
  }
  /** factor > 1 zooms in, keeping the time under canvas x fixed. */
  zoomAt(x: number, factor: number): void {
    const t = this.xToTime(x);
    const span = Math.max(MIN_SPAN_NS, Math.min(this.spanNs / factor, this.limit1 - this.limit0));
    const a = t - (x / this.widthPx) * span;
    const clamped = Math.min(Math.max(a, this.limit0), this.limit1 - span);
    this.t0 = clamped;
    this.t1 = clamped + span;
  }
  panPx(dxPx: number): void {
    const dt = dxPx * this.nsPerPx;
    this.set(this.t0 + dt, this.t1 + dt);
  }
  scrollBy(dyPx: number): void {
    this.scrollTo(this.scrollY + dyPx);
  }
  scrollTo(y: number): void {
    const max = Math.max(0, this.contentHeightPx - (this.heightPx - RULER_HEIGHT_PX) + 20);
    this.scrollY = Math.min(Math.max(0, y), max);
  }
}
