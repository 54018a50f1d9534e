import type { TraceInfo } from '../../shared/bridge';
import type { RowNode } from './layout';

/**
 * What the user chose about rows, by row key (keys come from layout.ts's buildRowTree and are stable
 * across reopens of the same file): hidden rows, rows pinned to the top (in pin order), sibling
 * order per parent ('' for the top level) and collapsed groups. Plain JSON, so it persists as is.
 */
export interface RowPrefs {
  hidden: string[];
  pinned: string[];
  order: Record<string, string[]>;
  collapsed: string[];
}

/** The parent key of pinned rows: they are reordered among themselves, above every other row. */
export const PINNED_PARENT = '#pinned';
const ROOT_PARENT = '';

/**
 * A thread is quiet when it made no CUDA API call and no NVTX range and holds under 1% of the events
 * of its process's busiest thread. From the shared traces (nsys 2025.3 defaults): defaults_streams'
 * python3 (701) has 70 such threads (a thread pool with ~60 CPU samples and ~10 running intervals
 * each, nsys's own [NSys] threads, cuda-EvtHandlr) beside a main thread of 17k events; tp2_decode's
 * ranks keep their NCCL watchdog and the threads that call CUDA, and group the driver's cuda0000…
 * thread, cuda-EvtHandlr, pt_tcpstore_uv and a few idle python3 threads (5–134 OSRT calls each
 * against 64k). A share, not a count, so a short capture groups the same threads as a long one.
 */
export const QUIET_SHARE = 0.01;

export const quietGroupKey = (pid: number) => `quiet:${pid}`;

/** Quiet threads per process: pid → their row keys (`thread:pid/tid`), in tid order. */
export function quietThreads(info: TraceInfo): Map<number, string[]> {
  const events = new Map<string, number>();
  const active = new Set<string>();
  for (const t of info.tracks) {
    if (t.tid === undefined || t.pid === undefined) continue;
    const key = `thread:${t.pid}/${t.tid}`;
    events.set(key, (events.get(key) ?? 0) + t.eventCount);
    if ((t.lane === 'cuda-api' || t.lane === 'nvtx') && t.eventCount > 0) active.add(key);
  }
  const busiest = new Map<number, number>();
  for (const [key, n] of events) {
    const pid = pidOf(key);
    busiest.set(pid, Math.max(busiest.get(pid) ?? 0, n));
  }
  const out = new Map<number, string[]>();
  const keys = [...events.keys()].sort((a, b) => pidOf(a) - pidOf(b) || tidOf(a) - tidOf(b));
  for (const key of keys) {
    const pid = pidOf(key);
    if (active.has(key) || events.get(key)! >= QUIET_SHARE * busiest.get(pid)!) continue;
    const list = out.get(pid) ?? [];
    list.push(key);
    out.set(pid, list);
  }
  return out;
}

const pidOf = (threadKey: string) => Number(threadKey.slice('thread:'.length, threadKey.indexOf('/')));
const tidOf = (threadKey: string) => Number(threadKey.slice(threadKey.indexOf('/') + 1));

/** First open of a trace: nothing hidden or pinned, quiet threads in their collapsed groups. */
export function defaultRowPrefs(quiet: ReadonlyMap<number, string[]>): RowPrefs {
  return { hidden: [], pinned: [], order: {}, collapsed: [...quiet.keys()].map(quietGroupKey) };
}

export interface ArrangedRows {
  roots: RowNode[];
  /** Parent key of every row ('' top level, PINNED_PARENT for pinned rows). */
  parent: Map<string, string>;
  /** Children in their current order per parent, hidden ones included (order is stored from this). */
  siblings: Map<string, string[]>;
  /** Hidden rows that exist in this trace (stale keys from an older file do not count). */
  hiddenCount: number;
  /** Pinned rows that exist in this trace, in pin order. */
  pinned: string[];
}

const quietLabel = (n: number) => `${n} quiet thread${n === 1 ? '' : 's'}`;

function groupOf(node: RowNode, children: RowNode[]): RowNode {
  return { ...node, children, trackIds: children.flatMap((c) => c.trackIds) };
}

function ordered(children: RowNode[], order: readonly string[] | undefined): RowNode[] {
  if (!order) return children;
  const pos = new Map(order.map((k, i) => [k, i]));
  // Rows the stored order does not know (it was saved before they existed) keep their place at the end.
  const known = children.filter((c) => pos.has(c.key)).sort((a, b) => pos.get(a.key)! - pos.get(b.key)!);
  return [...known, ...children.filter((c) => !pos.has(c.key))];
}

/**
 * The row tree as the user arranged it: quiet threads of each process moved into a "N quiet
 * threads" group (last among its threads), siblings in the stored order, pinned rows taken out of
 * their place and put on top (titled with their parent, "Stream 7 › Kernels"), hidden rows left
 * out. Groups' track lists are recomputed, so a collapsed group summarises only what it still shows.
 */
export function arrangeRows(tree: RowNode[], prefs: RowPrefs, quiet: ReadonlyMap<number, string[]>): ArrangedRows {
  const hidden = new Set(prefs.hidden);
  const pinnedSet = new Set(prefs.pinned);
  const parent = new Map<string, string>();
  const siblings = new Map<string, string[]>();
  const pinnedFound = new Map<string, RowNode>();
  let hiddenCount = 0;

  const withQuiet = tree.map((root) => {
    const pid = root.key.startsWith('proc:') ? Number(root.key.slice('proc:'.length)) : NaN;
    const keys = new Set(quiet.get(pid) ?? []);
    if (keys.size === 0) return root;
    const loud = root.children.filter((c) => !keys.has(c.key));
    const still = root.children.filter((c) => keys.has(c.key));
    if (still.length === 0) return root;
    const group: RowNode = {
      key: quietGroupKey(pid),
      label: quietLabel(still.length),
      kind: 'group',
      trackIds: [],
      depthCount: 1,
      children: still,
      side: 'cpu',
    };
    return groupOf(root, [...loud, groupOf(group, still)]);
  });

  // `context`: the nearest ancestor a pinned row is titled with (quiet groups say nothing about it).
  const rebuild = (node: RowNode, context: string): RowNode => {
    if (node.kind !== 'group') return node;
    const children = ordered(node.children, prefs.order[node.key]);
    const childContext = node.key.startsWith('quiet:') ? context : node.label;
    const kept: RowNode[] = [];
    const order: string[] = [];
    for (const c of children) {
      if (pinnedSet.has(c.key)) {
        pinnedFound.set(c.key, { ...rebuild(c, childContext), label: `${childContext} › ${c.label}` });
        continue;
      }
      order.push(c.key);
      parent.set(c.key, node.key);
      if (hidden.has(c.key)) {
        hiddenCount++;
        continue;
      }
      kept.push(rebuild(c, childContext));
    }
    siblings.set(node.key, order);
    // A quiet group counts the threads it still holds (some may be pinned out or hidden).
    const label = node.key.startsWith('quiet:') ? quietLabel(kept.length) : node.label;
    return { ...groupOf(node, kept), label };
  };

  const top: RowNode[] = [];
  const topOrder: string[] = [];
  for (const r of ordered(withQuiet, prefs.order[ROOT_PARENT])) {
    if (pinnedSet.has(r.key)) {
      pinnedFound.set(r.key, rebuild(r, ''));
      continue;
    }
    topOrder.push(r.key);
    parent.set(r.key, ROOT_PARENT);
    if (hidden.has(r.key)) {
      hiddenCount++;
      continue;
    }
    top.push(rebuild(r, ''));
  }
  siblings.set(ROOT_PARENT, topOrder);

  const pinned = prefs.pinned.filter((k) => pinnedFound.has(k));
  const pinnedRows: RowNode[] = [];
  for (const k of pinned) {
    parent.set(k, PINNED_PARENT);
    if (hidden.has(k)) hiddenCount++;
    else pinnedRows.push(pinnedFound.get(k)!);
  }
  siblings.set(PINNED_PARENT, pinned);
  return { roots: [...pinnedRows, ...top], parent, siblings, hiddenCount, pinned };
}

/**
 * Keeps only rows showing a track in `trackIds` (search's "filter rows"), and the groups above them.
 */
export function filterRowsToTracks(roots: RowNode[], trackIds: ReadonlySet<string>): RowNode[] {
  const keep = (n: RowNode): RowNode | null => {
    if (n.kind !== 'group') return n.trackIds.some((id) => trackIds.has(id)) ? n : null;
    const children = n.children.map(keep).filter((c): c is RowNode => c !== null);
    return children.length ? groupOf(n, children) : null;
  };
  return roots.map(keep).filter((c): c is RowNode => c !== null);
}

/** Puts `key` just before or after `target`, both children of one parent; anything else changes nothing. */
export function moveRow(prefs: RowPrefs, arranged: ArrangedRows, key: string, target: string, place: 'before' | 'after'): RowPrefs {
  const p = arranged.parent.get(key);
  if (p === undefined || key === target || arranged.parent.get(target) !== p) return prefs;
  const list = (arranged.siblings.get(p) ?? []).filter((k) => k !== key);
  const at = list.indexOf(target);
  if (at < 0) return prefs;
  list.splice(place === 'before' ? at : at + 1, 0, key);
  if (p === PINNED_PARENT) return { ...prefs, pinned: list };
  return { ...prefs, order: { ...prefs.order, [p]: list } };
}

/** Moves a row one place up (-1) or down (+1) among its shown siblings. */
export function moveRowBy(prefs: RowPrefs, arranged: ArrangedRows, key: string, delta: -1 | 1): RowPrefs {
  const p = arranged.parent.get(key);
  if (p === undefined) return prefs;
  const hidden = new Set(prefs.hidden);
  const shown = (arranged.siblings.get(p) ?? []).filter((k) => !hidden.has(k));
  const at = shown.indexOf(key);
  const target = shown[at + delta];
  if (at < 0 || target === undefined) return prefs;
  return moveRow(prefs, arranged, key, target, delta < 0 ? 'before' : 'after');
}

export function setPinned(prefs: RowPrefs, key: string, pinned: boolean): RowPrefs {
  const rest = prefs.pinned.filter((k) => k !== key);
  return { ...prefs, pinned: pinned ? [...rest, key] : rest };
}

export function setHidden(prefs: RowPrefs, key: string, hide: boolean): RowPrefs {
  const rest = prefs.hidden.filter((k) => k !== key);
  return { ...prefs, hidden: hide ? [...rest, key] : rest };
}

export function toggleCollapsed(prefs: RowPrefs, key: string): RowPrefs {
  const has = prefs.collapsed.includes(key);
  return { ...prefs, collapsed: has ? prefs.collapsed.filter((k) => k !== key) : [...prefs.collapsed, key] };
}

/** "Show all": every hidden row back and the quiet groups open; pins and order stay. */
export function showAllRows(prefs: RowPrefs): RowPrefs {
  return { ...prefs, hidden: [], collapsed: prefs.collapsed.filter((k) => !k.startsWith('quiet:')) };
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function isRowPrefs(v: unknown): v is RowPrefs {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  if (!isStringArray(p.hidden) || !isStringArray(p.pinned) || !isStringArray(p.collapsed)) return false;
  if (typeof p.order !== 'object' || p.order === null || Array.isArray(p.order)) return false;
  return Object.values(p.order).every(isStringArray);
}

/**
 * The storage key of a trace's row choices: its file name and shape (tracks, event counts, session
 * length), so reopening the same file finds them and another file of the same name does not.
 */
export function rowPrefsKey(info: TraceInfo): string {
  const counts = Object.entries(info.counts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, n]) => n)
    .join(',');
  return `nsys-viewer.rows.v1:${info.name}|${info.tracks.length}|${info.sessionEndNs - info.sessionStartNs}|${counts}`;
}

/** Minimal storage (window.localStorage, or a Map in tests). */
export interface PrefsStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Saved choices for this trace, or null (none, unreadable, or storage refused: e.g. a sandboxed page). */
export function loadRowPrefs(storage: PrefsStorage | null, key: string): RowPrefs | null {
  try {
    const raw = storage?.getItem(key);
    if (!raw) return null;
    const v: unknown = JSON.parse(raw);
    return isRowPrefs(v) ? v : null;
  } catch {
    return null;
  }
}

export function saveRowPrefs(storage: PrefsStorage | null, key: string, prefs: RowPrefs): void {
  try {
    storage?.setItem(key, JSON.stringify(prefs));
  } catch {
    // Full or refused storage: the choices still hold for this session, in the view store.
  }
}
