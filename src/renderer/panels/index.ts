import { lazy, type ComponentType } from 'react';

/**
 * Extra tabs of the bottom panel. Panels live in this folder, one file each, and read everything
 * through the hooks of ../ui/viewer-context (useViewer, useViewerState, useSelectedRange).
 * Append to PANELS to add a tab; the built-in tabs (Details, Range, Search) come first.
 *
 * Each panel is its own chunk (a dynamic import under React.lazy), loaded when its tab is first
 * opened: none is shown at the first frame, and their code (uPlot, the tables, the PNG export) was
 * a sixth of the page's one script that the first frame waited to evaluate (issue 15). Import a
 * panel only here, through `lazy`, or it lands back in the viewer's chunk.
 */
export interface PanelDef {
  id: string;
  title: string;
  component: ComponentType;
}

export const PANELS: PanelDef[] = [
  { id: 'memcpy', title: 'Memcpy', component: lazy(() => import('./memcpy-panel').then((m) => ({ default: m.MemcpyPanel }))) },
  { id: 'stats', title: 'Stats', component: lazy(() => import('./stats-panel').then((m) => ({ default: m.StatsPanel }))) },
  { id: 'summary', title: 'Summary', component: lazy(() => import('./summary-panel').then((m) => ({ default: m.SummaryPanel }))) },
  { id: 'steps', title: 'Steps', component: lazy(() => import('./steps-panel').then((m) => ({ default: m.StepsPanel }))) },
  { id: 'export', title: 'Export', component: lazy(() => import('./export-panel').then((m) => ({ default: m.ExportPanel }))) },
];
