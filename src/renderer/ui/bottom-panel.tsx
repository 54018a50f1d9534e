import { Suspense, useState, type ComponentType } from 'react';
import { PANELS } from '../panels';
import { BOTTOM_PANEL_PX } from './layout-px';
import { DetailsPanel } from './details-panel';
import { RangePanel } from './range-panel';
import { SearchPanel } from './search-panel';

const BUILT_IN: { id: string; title: string; component: ComponentType }[] = [
  { id: 'details', title: 'Details', component: DetailsPanel },
  { id: 'range', title: 'Range', component: RangePanel },
  { id: 'search', title: 'Search', component: SearchPanel },
];

export { BOTTOM_PANEL_PX };

/** Tabbed area under the timeline; other panels register in src/renderer/panels/index.ts. */
export function BottomPanel({ tab, setTab }: { tab: string; setTab: (t: string) => void }) {
  const tabs = [...BUILT_IN, ...PANELS];
  const current = tabs.find((t) => t.id === tab) ?? tabs[0];
  const Body = current.component;
  const [height, setHeight] = useState(BOTTOM_PANEL_PX);
  return (
    <div className="bottom" style={{ height }}>
      <div
        className="bottom-resize"
        onMouseDown={(e) => {
          const y0 = e.clientY;
          const h0 = height;
          const move = (m: MouseEvent) => setHeight(Math.max(80, Math.min(window.innerHeight - 150, h0 - (m.clientY - y0))));
          const up = () => {
            window.removeEventListener('mousemove', move);
            window.removeEventListener('mouseup', up);
          };
          window.addEventListener('mousemove', move);
          window.addEventListener('mouseup', up);
        }}
      />
      <div className="tabs">
        {tabs.map((t) => (
          <button key={t.id} className={t.id === current.id ? 'active' : ''} onClick={() => setTab(t.id)} data-tab={t.id}>
            {t.title}
          </button>
        ))}
      </div>
      <div className="tab-body">
        {/* The extra panels are chunks of their own, loaded when their tab is first opened (panels/index.ts). */}
        <Suspense
          fallback={
            <div className="loading" data-testid="panel-loading">
              Loading…
            </div>
          }
        >
          <Body />
        </Suspense>
      </div>
    </div>
  );
}
