import type { EventDetails, LaneKind, Ns, SearchResult } from '../../shared/bridge';
import type { LaidRow } from './layout';
import type { RowPrefs } from './row-arrange';

/** A slice under the mouse (or picked): enough to ask the bridge for the representative's details. */
export interface SliceRef {
  trackId: string;
  lane: LaneKind;
  /** Lane-table index of the slice's representative event. */
  index: number;
  eventCount: number;
  /** Busy fraction of a merged slice (summed event time / span, core/query/lod.ts); 1 for one event. */
  busy?: number;
  /** Merged slices: the name with the most (window-clipped) time in the slice, and that time (core/query/lod.ts). */
  mostlyNameId?: number;
  mostlyNs?: number;
  startNs: Ns;
  endNs: Ns;
  nameId: number;
}

/** What React shows about the timeline. Replaced, never mutated, so `useSyncExternalStore` sees changes. */
export interface ViewerState {
  cursorNs: Ns | null;
  hover: (SliceRef & { pageX: number; pageY: number }) | null;
  selected: { lane: LaneKind; index: number; details: EventDetails | null } | null;
  range: { t0: Ns; t1: Ns } | null;
  search: { text: string; regex: boolean; result: SearchResult | null; current: number; error: string | null };
  /** Bumped whenever the shown rows change (collapse, hide, pin, reorder, search filter). */
  rowsVersion: number;
  /** Hidden, pinned, reordered and collapsed rows (row-arrange.ts); saved per trace. */
  rowPrefs: RowPrefs;
  /** Search's "filter rows": only rows holding a match are shown while a search has a result. */
  filterRows: boolean;
  helpOpen: boolean;
  error: string | null;
}

export function initialViewerState(): ViewerState {
  return {
    cursorNs: null,
    hover: null,
    selected: null,
    range: null,
    search: { text: '', regex: false, result: null, current: -1, error: null },
    rowsVersion: 0,
    rowPrefs: { hidden: [], pinned: [], order: {}, collapsed: [] },
    filterRows: false,
    helpOpen: false,
    error: null,
  };
}

/**
 * The view store: one immutable state object and its subscribers. Panning and zooming do not go
 * through it (the viewport is the controller's, read every frame) so a pan never re-renders React.
 */
export class ViewStore {
  private listeners = new Set<() => void>();
  state: ViewerState = initialViewerState();
  private shownRows: readonly LaidRow[] = [];

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getState = (): ViewerState => this.state;

  /**
   * The rows the user chose to see, top to bottom as drawn: pinned first, hidden ones and children of
   * collapsed groups left out, only matching rows while search filters them. Screenshots and the
   * automation API read this; the controller publishes it on every relayout.
   */
  visibleRows = (): readonly LaidRow[] => this.shownRows;

  publishRows(rows: readonly LaidRow[]): void {
    this.shownRows = rows;
  }

  set(patch: Partial<ViewerState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
}
