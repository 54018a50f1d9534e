import { createContext, useContext, useSyncExternalStore } from 'react';
import type { LaneKind, NsysBridge, Ns, TraceInfo } from '../../shared/bridge';
import type { TimelineController, ViewerState } from '../timeline/controller';

/**
 * What panels get from the viewer (src/renderer/panels/** use these hooks; see README.md):
 * the bridge, the open trace, the current state, and the actions that move the timeline.
 */
export interface ViewerApi {
  bridge: NsysBridge;
  traceId: string;
  info: TraceInfo;
  controller: TimelineController;
  /** Select an event (details panel + flow arrow). `index` is the lane-table index. */
  selectEvent(lane: LaneKind, index: number): void;
  /** Zoom/pan the timeline to show [t0, t1]. */
  revealTime(t0: Ns, t1: Ns): void;
  /** Scroll the row tree to a track. */
  revealTrack(trackId: string): void;
  setRange(range: { t0: Ns; t1: Ns } | null): void;
}

export const ViewerContext = createContext<ViewerApi | null>(null);

export function useViewer(): ViewerApi {
  const v = useContext(ViewerContext);
  if (!v) throw new Error('useViewer() outside <ViewerContext.Provider>.');
  return v;
}

/** Re-renders when the timeline state changes (selection, range, hover, search, view window). */
export function useViewerState(): ViewerState {
  const { controller } = useViewer();
  return useSyncExternalStore((fn) => controller.subscribe(fn), controller.getState);
}

/**
 * One slice of the state; re-renders only when it changes (by ===). Prefer it in components that
 * do not care about hover: the hover changes on every mouse move.
 */
export function useViewerSelector<T>(select: (s: ViewerState) => T): T {
  const { controller } = useViewer();
  return useSyncExternalStore(
    (fn) => controller.subscribe(fn),
    () => select(controller.getState()),
  );
}

/** The shift-drag range, or null. */
export function useSelectedRange(): { t0: Ns; t1: Ns } | null {
  return useViewerSelector((s) => s.range);
}
