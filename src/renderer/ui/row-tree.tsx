import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { LaidRow } from '../timeline/layout';
import { utilKeyOf } from '../timeline/scene-builder';
import { GpuBusyBadge } from './gpu-busy-badge';
import { useViewer, useViewerSelector } from './viewer-context';

/** Keys on a focused row label; the help overlay lists them (input.ts KEYS). */
export const ROW_KEYS: [string, string][] = [
  ['Right-click a row label', 'Pin to top, hide, move up / down, collapse'],
  ['Drag a row label', 'Reorder it among its siblings'],
  ['Alt + ↑ / ↓ on a row label', 'Move the row up / down'],
  ['P / H on a row label', 'Pin or unpin / hide the row'],
];

interface Menu {
  key: string;
  x: number;
  y: number;
}

/**
 * Row labels left of the canvas. Rows have the canvas's heights; the controller moves the inner
 * element with a transform each frame so labels track vertical scrolling without React renders.
 * Rows can be pinned to the top, hidden and reordered (context menu, drag and drop, keys); the
 * choices live in the view store (row-arrange.ts) and persist per trace.
 * `corner` fills the box above the rows, beside the ruler (the compare view names its trace there).
 */
export function RowTree({ corner }: { corner?: ReactNode } = {}) {
  const { controller } = useViewer();
  useViewerSelector((s) => s.rowsVersion); // re-render when the shown rows change only
  const filtering = useViewerSelector((s) => s.filterRows && s.search.result !== null);
  const quietClosed = useViewerSelector((s) => s.rowPrefs.collapsed.some((k) => k.startsWith('quiet:')));
  const [menu, setMenu] = useState<Menu | null>(null);
  const [drop, setDrop] = useState<{ key: string; place: 'before' | 'after' } | null>(null);
  const dragged = useRef<string | null>(null);

  useEffect(() => {
    if (!menu) return;
    const close = () => setMenu(null);
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', onKey);
    };
  }, [menu]);

  const sameParent = (a: string, b: string) => a !== b && controller.arranged.parent.get(a) === controller.arranged.parent.get(b);
  const hidden = controller.arranged.hiddenCount;
  const quiet = [...controller.quiet.values()].reduce((n, l) => n + l.length, 0);

  const onKeyDown = (r: LaidRow, e: React.KeyboardEvent) => {
    const key = r.node.key;
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) controller.moveRowBy(key, e.key === 'ArrowUp' ? -1 : 1);
    else if (e.ctrlKey || e.metaKey || e.altKey) return;
    else if (e.key === 'p' || e.key === 'P') controller.pinRow(key, !controller.isPinned(key));
    else if (e.key === 'h' || e.key === 'H' || e.key === 'Delete') controller.hideRow(key);
    else if ((e.key === 'Enter' || e.key === ' ') && r.node.kind === 'group') controller.toggleRow(key);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  return (
    <div
      className="row-tree"
      onWheel={(e) => {
        controller.viewport.scrollBy(e.deltaY);
        controller.markDirty();
      }}
    >
      <div className="row-tree-ruler">
        {corner}
        <span className="row-tree-status" data-testid="row-status">
          {filtering ? 'Rows with matches' : hidden ? `${hidden} hidden` : quiet ? `${quiet} quiet threads grouped` : ''}
        </span>
        {(hidden > 0 || quietClosed) && (
          <button onClick={() => controller.showAllRows()} title="Show hidden rows and open the quiet-thread groups">
            Show all
          </button>
        )}
        <button onClick={() => controller.resetRows()} title="Unhide, unpin and restore the original order and grouping">
          Reset
        </button>
      </div>
      <div className="row-tree-inner" ref={(el) => controller.attachTree(el)}>
        {controller.rows.map((r) => {
          const key = r.node.key;
          const marker = drop?.key === key ? ` drop-${drop.place}` : '';
          return (
            <div
              key={key}
              className={`row ${r.node.kind}${controller.isPinned(key) ? ' pinned' : ''}${marker}`}
              data-row={key}
              tabIndex={0}
              draggable={!filtering}
              style={{ top: r.y, height: r.h, paddingLeft: 6 + r.indent * 12 }}
              onClick={r.node.kind === 'group' ? () => controller.toggleRow(key) : undefined}
              onKeyDown={(e) => onKeyDown(r, e)}
              onContextMenu={(e) => {
                e.preventDefault();
                setMenu({ key, x: e.clientX, y: e.clientY });
              }}
              onDragStart={(e) => {
                dragged.current = key;
                e.dataTransfer.effectAllowed = 'move';
                e.dataTransfer.setData('text/plain', r.node.label);
              }}
              onDragOver={(e) => {
                const from = dragged.current;
                if (!from || !sameParent(from, key)) return;
                e.preventDefault();
                const box = e.currentTarget.getBoundingClientRect();
                const place = e.clientY < box.top + box.height / 2 ? 'before' : 'after';
                if (drop?.key !== key || drop.place !== place) setDrop({ key, place });
              }}
              onDragLeave={() => drop?.key === key && setDrop(null)}
              onDrop={(e) => {
                e.preventDefault();
                const from = dragged.current;
                if (from && drop) controller.moveRow(from, drop.key, drop.place);
                dragged.current = null;
                setDrop(null);
              }}
              onDragEnd={() => {
                dragged.current = null;
                setDrop(null);
              }}
              title={r.node.label}
            >
              {r.node.kind === 'group' ? <span className="twisty">{r.collapsed ? '▸' : '▾'}</span> : null}
              {r.node.label}
              {utilKeyOf(r.node) ? <GpuBusyBadge rowKey={key} /> : null}
            </div>
          );
        })}
      </div>
      {menu && <RowMenu menu={menu} close={() => setMenu(null)} />}
    </div>
  );
}

function RowMenu({ menu, close }: { menu: Menu; close: () => void }) {
  const { controller } = useViewer();
  const row = controller.rows.find((r) => r.node.key === menu.key);
  if (!row) return null;
  const pinned = controller.isPinned(menu.key);
  const item = (label: string, run: () => void) => (
    <div
      className="menu-item"
      role="menuitem"
      onMouseDown={(e) => e.stopPropagation()}
      onClick={() => {
        run();
        close();
      }}
    >
      {label}
    </div>
  );
  return (
    <div className="row-menu" role="menu" data-testid="row-menu" style={{ left: menu.x, top: menu.y }}>
      {item(pinned ? 'Unpin' : 'Pin to top', () => controller.pinRow(menu.key, !pinned))}
      {item('Hide', () => controller.hideRow(menu.key))}
      {item('Move up', () => controller.moveRowBy(menu.key, -1))}
      {item('Move down', () => controller.moveRowBy(menu.key, 1))}
      {row.node.kind === 'group' && item(row.collapsed ? 'Expand' : 'Collapse', () => controller.toggleRow(menu.key))}
      {controller.arranged.hiddenCount > 0 && item(`Show all (${controller.arranged.hiddenCount} hidden)`, () => controller.showAllRows())}
      {item('Reset rows', () => controller.resetRows())}
    </div>
  );
}
