import type { EventDetails, Ns } from '../../shared/bridge';
import { THEME } from './colors';
import { rowForTrack, type LaidRow } from './layout';
import type { TimelineScene } from './renderer';
import { rulerTicks } from './ruler';
import type { ViewerState } from './view-store';
import { RULER_HEIGHT_PX, type Viewport } from './viewport';

export interface FlowArrow {
  from: { x: number; y: number };
  to: { x: number; y: number };
  partner: EventDetails['partners'][number];
}

/** What the overlay drew that tests and the automation API read back. */
export interface OverlayResult {
  flows: FlowArrow[];
  rulerLabels: string[];
}

type Overlay = TimelineScene['overlay'];

/**
 * The overlay, redrawn every frame: range selection, hover and selection outlines, flow arrows from
 * the selected API call to its GPU work (or back), then the ruler and the cursor above everything.
 */
export function drawOverlay(
  scene: TimelineScene,
  vp: Viewport,
  rows: LaidRow[],
  state: ViewerState,
  sessionStartNs: Ns,
  trackCanvasY: (trackId: string) => number | undefined,
): OverlayResult {
  const g = scene.overlay;
  g.clear();
  const range = state.range;
  if (range) {
    const x0 = vp.timeToX(range.t0);
    const x1 = vp.timeToX(range.t1);
    g.rect(x0, RULER_HEIGHT_PX, Math.max(1, x1 - x0), vp.heightPx - RULER_HEIGHT_PX).fill({ color: THEME.selection, alpha: 0.15 });
    g.rect(x0, RULER_HEIGHT_PX, 1, vp.heightPx).fill(THEME.selection);
    g.rect(x1, RULER_HEIGHT_PX, 1, vp.heightPx).fill(THEME.selection);
  }
  const hover = state.hover;
  if (hover) outline(g, vp, rows, hover.trackId, hover.startNs, hover.endNs, THEME.hover);
  const sel = state.selected?.details;
  if (sel) outline(g, vp, rows, sel.trackId, sel.startNs, sel.endNs, THEME.selection);
  const flows: FlowArrow[] = [];
  if (sel) {
    for (const p of sel.partners.slice(0, 32)) {
      const ya = trackCanvasY(sel.trackId);
      const yb = trackCanvasY(p.trackId);
      if (ya === undefined || yb === undefined) continue;
      const a = { x: vp.timeToX(sel.startNs), y: ya };
      const b = { x: vp.timeToX(p.startNs), y: yb };
      const [from, to] = sel.lane === 'cuda-api' ? [a, b] : [b, a];
      flows.push({ from, to, partner: p });
      drawArrow(g, from, to);
    }
  }
  g.rect(0, 0, vp.widthPx, RULER_HEIGHT_PX).fill(THEME.rulerBg);
  const { ticks, base } = rulerTicks(vp.t0, vp.t1, vp.widthPx, sessionStartNs);
  for (const t of ticks) {
    const x = Math.round(vp.timeToX(t.t));
    g.rect(x, RULER_HEIGHT_PX - 8, 1, 8).fill(THEME.tick);
    scene.label(t.label, x + 3, 4, THEME.rulerText, true);
  }
  if (base) scene.label(`${base} +`, 4, 15, THEME.tick | 0x808080, true);
  if (state.cursorNs !== null) {
    const x = Math.round(vp.timeToX(state.cursorNs));
    g.rect(x, 0, 1, RULER_HEIGHT_PX).fill(THEME.selection);
  }
  return { flows, rulerLabels: ticks.map((t) => t.label) };
}

function outline(g: Overlay, vp: Viewport, rows: LaidRow[], trackId: string, t0: Ns, t1: Ns, color: number): void {
  const row = rowForTrack(rows, trackId);
  if (!row) return;
  const x0 = vp.timeToX(t0);
  const w = Math.max(2, vp.timeToX(t1) - x0);
  const y = vp.contentToCanvasY(row.y);
  g.rect(x0 - 1, y + 1, w + 2, row.h - 2).stroke({ color, width: 1.5 });
}

function drawArrow(g: Overlay, a: { x: number; y: number }, b: { x: number; y: number }): void {
  const dy = b.y - a.y;
  g.moveTo(a.x, a.y)
    .bezierCurveTo(a.x, a.y + dy * 0.5, b.x, b.y - dy * 0.5, b.x, b.y)
    .stroke({ color: THEME.flow, width: 2 });
  const dir = Math.sign(dy) || 1;
  g.poly([b.x, b.y, b.x - 5, b.y - 9 * dir, b.x + 5, b.y - 9 * dir]).fill(THEME.flow);
  g.circle(a.x, a.y, 3).fill(THEME.flow);
}
