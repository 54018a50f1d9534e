import type { ReactNode } from 'react';
import { useViewer, useViewerSelector } from './viewer-context';

/**
 * Row labels left of the canvas. Rows have the canvas's heights; the controller moves the inner
 * element with a transform each frame so labels track vertical scrolling without React renders.
 * `corner` fills the box above the rows, beside the ruler (the compare view names its trace there).
 */
export function RowTree({ corner }: { corner?: ReactNode } = {}) {
  const { controller } = useViewer();
  useViewerSelector((s) => s.rowsVersion); // re-render on collapse/expand only
  return (
    <div
      className="row-tree"
      onWheel={(e) => {
        controller.viewport.scrollBy(e.deltaY);
        controller.markDirty();
      }}
    >
      <div className="row-tree-ruler">{corner}</div>
      <div className="row-tree-inner" ref={(el) => controller.attachTree(el)}>
        {controller.rows.map((r) => (
          <div
            key={r.node.key}
            className={`row ${r.node.kind}`}
            data-row={r.node.key}
            style={{ top: r.y, height: r.h, paddingLeft: 6 + r.indent * 12 }}
            onClick={r.node.kind === 'group' ? () => controller.toggleRow(r.node.key) : undefined}
            title={r.node.label}
          >
            {r.node.kind === 'group' ? <span className="twisty">{r.collapsed ? '▸' : '▾'}</span> : null}
            {r.node.label}
          </div>
        ))}
      </div>
    </div>
  );
}
