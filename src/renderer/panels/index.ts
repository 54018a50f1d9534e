import type { ComponentType } from 'react';
import { ExportPanel } from './export-panel';
import { MemcpyPanel } from './memcpy-panel';
import { StatsPanel } from './stats-panel';
import { StepsPanel } from './steps-panel';
import { SummaryPanel } from './summary-panel';

/**
 * Extra tabs of the bottom panel. Panels live in this folder, one file each, and read everything
 * through the hooks of ../ui/viewer-context (useViewer, useViewerState, useSelectedRange).
 * Append to PANELS to add a tab; the built-in tabs (Details, Range, Search) come first.
 */
export interface PanelDef {
  id: string;
  title: string;
  component: ComponentType;
}

export const PANELS: PanelDef[] = [
  { id: 'memcpy', title: 'Memcpy', component: MemcpyPanel },
  { id: 'stats', title: 'Stats', component: StatsPanel },
  { id: 'summary', title: 'Summary', component: SummaryPanel },
  { id: 'steps', title: 'Steps', component: StepsPanel },
  { id: 'export', title: 'Export', component: ExportPanel },
];
