// Row choices (renderer/timeline/row-arrange.ts: quiet threads, hide, pin, reorder, search filter)
// on real TraceInfo, in Node. Thread figures are sqlite3 counts per globalTid on the same files.
import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { openTrace } from '../../src/core/io/open-trace';
import { TraceService } from '../../src/core/service/trace-service';
import type { TraceInfo } from '../../src/shared/bridge';
import { buildRowTree, layoutRows, type RowNode } from '../../src/renderer/timeline/layout';
import {
  arrangeRows,
  defaultRowPrefs,
  filterRowsToTracks,
  loadRowPrefs,
  moveRow,
  moveRowBy,
  quietThreads,
  rowPrefsKey,
  saveRowPrefs,
  setHidden,
  setPinned,
  showAllRows,
  type RowPrefs,
} from '../../src/renderer/timeline/row-arrange';
import { itShared } from '../helpers/shared-traces';
import { tracePath } from '../helpers/paths';
import { unpackedXz } from '../helpers/xz';

async function infoOf(path: string): Promise<TraceInfo> {
  const svc = new TraceService();
  const { model, name } = await openTrace(path);
  return svc.getTraceInfo(svc.add(model, name));
}

const keys = (nodes: RowNode[]) => nodes.map((n) => n.key);
const shownKeys = (roots: RowNode[], prefs: RowPrefs) => layoutRows(roots, new Set(prefs.collapsed)).rows.map((r) => r.node.key);

describe('quiet threads', () => {
  itShared('defaults_streams: the 70 threads beside the main thread are quiet', async () => {
    // nsys 2025.3.1 defaults (CPU sampling, context switches, OSRT). Threads of pid 701 with rows in
    // SCHED_EVENTS, COMPOSITE_EVENTS, OSRT_API, CUPTI_ACTIVITY_KIND_RUNTIME or NVTX_EVENTS: 701 and
    // 713..782. Only 701 has CUDA API (1554) and NVTX (6) rows, and 17,428 rows in all; the busiest
    // other thread, 713 "[NSys]", has 177 (7 samples + 170 sched), under 1% of 701's.
    const quiet = quietThreads(await infoOf(tracePath('shared:defaults_streams.sqlite')));
    const expected = Array.from({ length: 782 - 713 + 1 }, (_, k) => `thread:701/${713 + k}`);
    expect([...quiet.keys()]).toEqual([701]);
    expect(quiet.get(701)).toEqual(expected);
  });

  itShared('tp2_decode: threads that call CUDA stay, idle helpers are grouped per process', async () => {
    // Per globalTid (OSRT_API / CUPTI_ACTIVITY_KIND_RUNTIME / NVTX_EVENTS rows): rank 82's main thread
    // 24782 / 38637 / 1163; 168 (pt_nccl_watchdg) 101 / 5615, 174 1109 / 576, 175 628 / 48 call CUDA;
    // the rest only OSRT: 155: 5, 159: 6, 161: 134, 165: 133, 169: 25, 170: 29, 171: 81. Rank 83 the
    // same with 157, 162, 164, 167, 172 quiet. Process 36 (main 18762 OSRT) has 80 with 3; the
    // launcher 81 has one thread, never quiet.
    const quiet = quietThreads(await infoOf(unpackedXz(tracePath('shared:tp2_decode.sqlite.xz'))));
    expect(Object.fromEntries(quiet)).toEqual({
      36: ['thread:36/80'],
      82: [155, 159, 161, 165, 169, 170, 171].map((t) => `thread:82/${t}`),
      83: [157, 162, 164, 167, 172].map((t) => `thread:83/${t}`),
    });
  });
});

describe('arranging rows (streams: python3 34 on one H100, streams 7, 13, 17)', () => {
  let info: TraceInfo;
  let tree: RowNode[];
  let quiet: Map<number, string[]>;
  beforeAll(async () => {
    info = await infoOf(resolve(__dirname, '../fixtures/nsys-2025.3/streams.sqlite'));
    tree = buildRowTree(info);
    quiet = quietThreads(info);
  });

  it('groups the quiet threads last in their process, collapsed on first open', () => {
    // OSRT_API rows per thread: 34: 20439 (with 1549 CUDA API, 6 NVTX), 62: 5, 66: 43.
    expect(Object.fromEntries(quiet)).toEqual({ 34: ['thread:34/62', 'thread:34/66'] });
    const prefs = defaultRowPrefs(quiet);
    const a = arrangeRows(tree, prefs, quiet);
    const proc = a.roots.find((r) => r.key === 'proc:34')!;
    expect(keys(proc.children)).toEqual(['thread:34/34', 'quiet:34']);
    const group = proc.children[1];
    expect(group.label).toBe('2 quiet threads');
    expect(keys(group.children)).toEqual(['thread:34/62', 'thread:34/66']);
    expect(group.trackIds.sort()).toEqual(['cpu/34/62/osrt', 'cpu/34/66/osrt']);
    const shown = shownKeys(a.roots, prefs);
    expect(shown).toContain('quiet:34');
    expect(shown).not.toContain('thread:34/62');
    expect(shownKeys(a.roots, showAllRows(prefs))).toContain('lane:cpu/34/62/osrt');
    // Pinning one out (66 is "cuda-EvtHandlr" in ThreadNames) leaves "1 quiet thread".
    const pinned = arrangeRows(tree, setPinned(prefs, 'thread:34/66', true), quiet);
    expect(pinned.roots[0].label).toBe('python3 (34) › cuda-EvtHandlr (66)');
    expect(pinned.roots.find((r) => r.key === 'proc:34')!.children[1].label).toBe('1 quiet thread');
  });

  it('pins a row on top with its parent in the title, and takes it out of its group', () => {
    const prefs = setPinned(defaultRowPrefs(quiet), 'lane:gpu/0/34/17/kernel', true);
    const a = arrangeRows(tree, prefs, quiet);
    expect(a.roots[0].key).toBe('lane:gpu/0/34/17/kernel');
    expect(a.roots[0].label).toBe('Stream 17 › Kernels');
    const gpu = a.roots.find((r) => r.key === 'gpu:0')!;
    expect(gpu.trackIds).not.toContain('gpu/0/34/17/kernel');
    const stream17 = gpu.children.find((c) => c.key === 'stream:0/34/17')!;
    expect(keys(stream17.children)).not.toContain('lane:gpu/0/34/17/kernel');
    // Two pins keep pin order, and reorder among themselves only.
    const two = setPinned(prefs, 'thread:34/34', true);
    const b = arrangeRows(tree, two, quiet);
    expect(keys(b.roots.slice(0, 2))).toEqual(['lane:gpu/0/34/17/kernel', 'thread:34/34']);
    expect(b.roots[1].label).toBe('python3 (34) › python3 (34)');
    const swapped = moveRowBy(two, b, 'thread:34/34', -1);
    expect(swapped.pinned).toEqual(['thread:34/34', 'lane:gpu/0/34/17/kernel']);
    expect(moveRow(two, b, 'thread:34/34', 'gpu:0', 'before')).toBe(two);
    // Unpinned, it is back in its place.
    expect(arrangeRows(tree, setPinned(two, 'lane:gpu/0/34/17/kernel', false), quiet).roots[0].key).toBe('thread:34/34');
  });

  it('reorders siblings (up/down and drop before/after) and refuses moves across parents', () => {
    const prefs = defaultRowPrefs(quiet);
    const a = arrangeRows(tree, prefs, quiet);
    const streams = (r: RowNode[]) =>
      r
        .find((x) => x.key === 'gpu:0')!
        .children.filter((c) => c.key.startsWith('stream:'))
        .map((c) => c.key);
    expect(streams(a.roots)).toEqual(['stream:0/34/7', 'stream:0/34/13', 'stream:0/34/17']);
    const up = moveRowBy(prefs, a, 'stream:0/34/17', -1);
    expect(streams(arrangeRows(tree, up, quiet).roots)).toEqual(['stream:0/34/7', 'stream:0/34/17', 'stream:0/34/13']);
    const first = moveRow(prefs, a, 'stream:0/34/17', 'stream:0/34/7', 'before');
    expect(streams(arrangeRows(tree, first, quiet).roots)).toEqual(['stream:0/34/17', 'stream:0/34/7', 'stream:0/34/13']);
    // The top row cannot go further up; a stream cannot move under a thread.
    expect(moveRowBy(prefs, a, 'gpu:0', -1)).toBe(prefs);
    expect(moveRow(prefs, a, 'stream:0/34/7', 'thread:34/34', 'after')).toBe(prefs);
    // Process above GPU at the top level.
    const procFirst = moveRowBy(prefs, a, 'proc:34', -1);
    expect(keys(arrangeRows(tree, procFirst, quiet).roots)).toEqual(['proc:34', 'gpu:0']);
  });

  it('hides rows (counted, kept in the stored order) and shows them all again', () => {
    let prefs = setHidden(defaultRowPrefs(quiet), 'stream:0/34/13', true);
    const a = arrangeRows(tree, prefs, quiet);
    expect(a.hiddenCount).toBe(1);
    expect(shownKeys(a.roots, prefs).filter((k) => k.startsWith('stream:'))).toEqual(['stream:0/34/7', 'stream:0/34/17']);
    expect(a.roots.find((r) => r.key === 'gpu:0')!.trackIds.some((t) => t.startsWith('gpu/0/34/13/'))).toBe(false);
    // Moving 17 up skips the hidden 13; 13 keeps its place between them when shown again.
    prefs = moveRowBy(prefs, a, 'stream:0/34/17', -1);
    const back = arrangeRows(tree, showAllRows(prefs), quiet);
    expect(back.hiddenCount).toBe(0);
    expect(keys(back.roots[0].children).filter((k) => k.startsWith('stream:'))).toEqual([
      'stream:0/34/17',
      'stream:0/34/7',
      'stream:0/34/13',
    ]);
    // Keys of another file's rows change nothing.
    const stale = { ...defaultRowPrefs(quiet), hidden: ['thread:9/9'], pinned: ['lane:nope'] };
    const s = arrangeRows(tree, stale, quiet);
    expect(s.hiddenCount).toBe(0);
    expect(s.pinned).toEqual([]);
  });

  it('filters rows to the tracks holding search matches', () => {
    const a = arrangeRows(tree, defaultRowPrefs(quiet), quiet);
    const kept = filterRowsToTracks(a.roots, new Set(['gpu/0/34/17/kernel', 'cpu/34/66/osrt']));
    const rows = layoutRows(kept, new Set()).rows.map((r) => r.node.key);
    expect(rows).toEqual([
      'gpu:0',
      'stream:0/34/17',
      'lane:gpu/0/34/17/kernel',
      'proc:34',
      'quiet:34',
      'thread:34/66',
      'lane:cpu/34/66/osrt',
    ]);
    expect(filterRowsToTracks(a.roots, new Set())).toEqual([]);
  });

  it('persists per trace identity and ignores unreadable storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const key = rowPrefsKey(info);
    expect(key).toContain('streams.sqlite');
    const prefs = setPinned(defaultRowPrefs(quiet), 'thread:34/34', true);
    saveRowPrefs(storage, key, prefs);
    expect(loadRowPrefs(storage, key)).toEqual(prefs);
    expect(loadRowPrefs(storage, 'other')).toBeNull();
    store.set(key, '{"hidden": 3}');
    expect(loadRowPrefs(storage, key)).toBeNull();
    store.set(key, 'not json');
    expect(loadRowPrefs(storage, key)).toBeNull();
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(loadRowPrefs(refusing, key)).toBeNull();
    expect(() => saveRowPrefs(refusing, key, prefs)).not.toThrow();
  });
});
