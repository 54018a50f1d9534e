import type { TimelineController } from './controller';
import { RULER_HEIGHT_PX } from './viewport';

/**
 * Mouse and keyboard on the timeline canvas. Every key is listed in KEYS (the `?` help overlay
 * renders that list, so help and behaviour cannot drift apart).
 */
export const KEYS: [string, string][] = [
  ['Mouse wheel', 'Zoom at the cursor'],
  ['Shift + wheel', 'Scroll rows up/down'],
  ['Drag', 'Pan (and scroll rows)'],
  ['Shift + drag', 'Select a time range (aggregate table in the Range tab)'],
  ['Click', 'Select an event: details + flow arrow to its CUDA API call / GPU work'],
  ['W / S', 'Zoom in / out at the cursor'],
  ['A / D, ← / →', 'Pan left / right'],
  ['↑ / ↓', 'Scroll rows up / down'],
  ['F', 'Fit the whole trace'],
  ['Z', 'Zoom to the selected range or event'],
  ['J', 'Jump to the correlated partner of the selected event'],
  ['N / Shift + N', 'Next / previous search match'],
  ['Ctrl + F or /', 'Focus the search box'],
  ['Esc', 'Clear selection and range; close help'],
  ['?', 'Show / hide this help'],
];

const CLICK_SLOP_PX = 3;

export function attachInput(c: TimelineController): () => void {
  const canvas = c.scene.canvas;
  const vp = c.viewport;
  let drag: { x: number; y: number; moved: boolean; range: boolean; t0: number } | null = null;
  let lastX = vp.widthPx / 2;

  const local = (e: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  const updateHover = (x: number, y: number, e: MouseEvent) => {
    const hit = c.sliceAt(x, y);
    const prev = c.state.hover;
    const cursorNs = vp.xToTime(x);
    if (!hit) {
      if (prev) c.setState({ hover: null, cursorNs });
      else c.setState({ cursorNs });
    } else {
      c.setState({ hover: { ...hit, pageX: e.clientX, pageY: e.clientY }, cursorNs });
    }
    c.markDirty();
  };

  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const { x } = local(e);
    lastX = x;
    if (e.shiftKey) vp.scrollBy(e.deltaY || e.deltaX);
    else if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) vp.panPx(e.deltaX);
    else vp.zoomAt(x, Math.pow(1.0015, -e.deltaY * (e.deltaMode === 1 ? 33 : 1)));
    c.viewChanged();
  };

  const onDown = (e: MouseEvent) => {
    if (e.button !== 0) return;
    const { x, y } = local(e);
    drag = { x, y, moved: false, range: e.shiftKey, t0: vp.xToTime(x) };
    canvas.focus();
  };

  const onMove = (e: MouseEvent) => {
    const { x, y } = local(e);
    lastX = x;
    if (!drag) {
      if (e.target === canvas) updateHover(x, y, e);
      return;
    }
    const dx = x - drag.x;
    const dy = y - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < CLICK_SLOP_PX) return;
    drag.moved = true;
    if (drag.range) {
      const t = vp.xToTime(x);
      c.setRange({ t0: Math.min(drag.t0, t), t1: Math.max(drag.t0, t) });
    } else {
      vp.panPx(-dx);
      vp.scrollBy(-dy);
      drag.x = x;
      drag.y = y;
      c.viewChanged();
    }
  };

  const onUp = (e: MouseEvent) => {
    if (!drag) return;
    const d = drag;
    drag = null;
    if (d.moved) return;
    const { x, y } = local(e);
    if (y < RULER_HEIGHT_PX) return;
    const hit = c.sliceAt(x, y);
    if (hit) void c.selectEvent(hit.lane, hit.index);
    else c.clearSelection();
  };

  const onLeave = () => {
    if (c.state.hover || c.state.cursorNs !== null) c.setState({ hover: null, cursorNs: null });
    c.markDirty();
  };

  const onKey = (e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') {
      e.preventDefault();
      document.getElementById('nsys-search')?.focus();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const panStep = vp.widthPx * 0.15;
    const x = lastX >= 0 && lastX <= vp.widthPx ? lastX : vp.widthPx / 2;
    switch (e.key) {
      case 'w':
      case 'W':
        vp.zoomAt(x, 1.5);
        break;
      case 's':
      case 'S':
        vp.zoomAt(x, 1 / 1.5);
        break;
      case 'a':
      case 'A':
      case 'ArrowLeft':
        vp.panPx(-panStep);
        break;
      case 'd':
      case 'D':
      case 'ArrowRight':
        vp.panPx(panStep);
        break;
      case 'ArrowUp':
        vp.scrollBy(-60);
        break;
      case 'ArrowDown':
        vp.scrollBy(60);
        break;
      case 'f':
      case 'F':
        vp.fit();
        break;
      case 'z':
      case 'Z':
        c.zoomToSelection();
        return;
      case 'j':
      case 'J':
        void c.jumpToPartner();
        return;
      case 'n':
        void c.nextMatch(1);
        return;
      case 'N':
        void c.nextMatch(-1);
        return;
      case '/':
        e.preventDefault();
        document.getElementById('nsys-search')?.focus();
        return;
      case '?':
        c.toggleHelp();
        return;
      case 'Escape':
        c.toggleHelp(false);
        c.clearSelection();
        c.setRange(null);
        return;
      default:
        return;
    }
    e.preventDefault();
    c.viewChanged();
  };

  canvas.tabIndex = 0;
  canvas.addEventListener('wheel', onWheel, { passive: false });
  canvas.addEventListener('mousedown', onDown);
  canvas.addEventListener('mouseleave', onLeave);
  window.addEventListener('mousemove', onMove);
  window.addEventListener('mouseup', onUp);
  window.addEventListener('keydown', onKey);
  return () => {
    canvas.removeEventListener('wheel', onWheel);
    canvas.removeEventListener('mousedown', onDown);
    canvas.removeEventListener('mouseleave', onLeave);
    window.removeEventListener('mousemove', onMove);
    window.removeEventListener('mouseup', onUp);
    window.removeEventListener('keydown', onKey);
  };
}
