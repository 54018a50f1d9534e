import type { TraceModel } from '../model/types';
import { laneTable } from '../query/lanes';
import { LANES, laneCount } from './details';
import { trackOfEvent, trackOrdinalOfEvent } from './event-index';
import { nameTable, shortName, sliceNameId } from './names';
import { kernelNameId } from '../stats/kernel-name';
import { apiDisplayName } from '../stats/numeric';
import type { SearchHit, SearchQuery, SearchResult } from './types';
import { compileLinearRegex, RegexSyntaxError, type LinearRegex } from './linear-regex';

export const MAX_QUERY_CHARS = 500;
export const DEFAULT_SEARCH_LIMIT = 1000;
export const MAX_SEARCH_LIMIT = 100_000;

export const SEARCH_BUDGET_MS = 5000;

export class SearchQueryError extends Error {}

/**
 * Names matching a case-insensitive substring or regular expression. Each distinct string is tested
 * once (a trace has far fewer names than events), then events are picked by name id. Kernels match
 * on their short or demangled name; hits come back in start order, `total` counts all of them.
 */
export function searchEvents(model: TraceModel, q: SearchQuery): SearchResult {
  const text = q.text;
  if (text.length > MAX_QUERY_CHARS) throw new SearchQueryError(`Search text too long (${text.length} > ${MAX_QUERY_CHARS} characters).`);
  const limit = Math.min(MAX_SEARCH_LIMIT, q.limit ?? DEFAULT_SEARCH_LIMIT);
  if (text === '') return { total: 0, hits: [], nameIds: [], trackIds: [] };
  if (q.match === 'kernel-name') return searchKernelName(model, text, limit);
  let test: (s: string) => boolean;
  if (q.regex) {
    // Linear time (see linear-regex.ts): a pattern like ^(\w|\w)*!$ froze serve under RegExp.
    let re: LinearRegex;
    try {
      re = compileLinearRegex(text);
    } catch (e) {
      if (!(e instanceof RegexSyntaxError)) throw e;
      throw new SearchQueryError(`Invalid regular expression: /${text}/: ${e.message}`);
    }
    test = (s) => re.test(s);
  } else {
    const needle = text.toLowerCase();
    test = (s) => s.toLowerCase().includes(needle);
  }
  const names = nameTable(model);
  const total = names.base + names.synthetic.length;
  const matched = new Uint8Array(total);
  // Linear time still multiplies: a huge pattern over megabytes of names gets a budget, checked
  // between names, so a search answers (with what to do) instead of holding the host's thread.
  const t0 = Date.now();
  for (let id = 0; id < total; id++) {
    if (test(names.text(id) ?? '')) matched[id] = 1;
    if ((id & 255) === 255 && Date.now() - t0 > SEARCH_BUDGET_MS) {
      throw new SearchQueryError(`Search took over ${SEARCH_BUDGET_MS / 1000} s and was stopped; use a shorter or simpler pattern.`);
    }
  }

  const hits: SearchHit[] = [];
  const nameIds = new Set<number>();
  // Every track holding a match, not only the listed hits': the timeline's "filter rows" keeps
  // exactly these rows. One typed-array lookup per hit.
  const trackHit = new Uint8Array(model.tracks.length);
  let count = 0;
  // Projected NVTX ranges repeat the CPU ranges' names: a name search lists each range once (its
  // CPU row) unless the caller asks for 'nvtx-gpu'.
  const lanes = q.lanes ?? LANES.filter((l) => l !== 'nvtx-gpu');
  for (const lane of lanes) {
    const n = laneCount(model, lane);
    const { startNs, endNs } = laneTable(model, lane);
    const demangled = lane === 'kernel' ? model.kernels.demangledNameId : null;
    for (let i = 0; i < n; i++) {
      const id = sliceNameId(model, lane, i);
      const hit = (id >= 0 && matched[id] === 1) || (demangled !== null && demangled[i] >= 0 && matched[demangled[i]] === 1);
      if (!hit) continue;
      count++;
      nameIds.add(id);
      const ti = trackOrdinalOfEvent(model, lane, i);
      if (ti >= 0) trackHit[ti] = 1;
      hits.push({ lane, index: i, trackId: '', startNs: startNs[i], endNs: endNs[i], nameId: id, name: '' });
    }
  }
  // Projected NVTX rows repeat their CPU ranges' names: when the caller did not pick lanes, their
  // tracks count as matching too (they are drawn highlighted), without listing the ranges twice.
  if (!q.lanes) {
    const n = laneCount(model, 'nvtx-gpu');
    for (let i = 0; i < n; i++) {
      const id = sliceNameId(model, 'nvtx-gpu', i);
      if (id < 0 || matched[id] !== 1) continue;
      const ti = trackOrdinalOfEvent(model, 'nvtx-gpu', i);
      if (ti >= 0) trackHit[ti] = 1;
    }
  }
  hits.sort((a, b) => a.startNs - b.startNs || a.index - b.index);
  const kept = hits.length > limit ? hits.slice(0, limit) : hits;
  for (const h of kept) {
    h.trackId = trackOfEvent(model, h.lane, h.index);
    const n = shortName(model, h.lane, h.index);
    h.name = h.lane === 'cuda-api' ? apiDisplayName(n) : n;
  }
  const trackIds: string[] = [];
  trackHit.forEach((v, ti) => {
    if (v) trackIds.push(model.tracks[ti].id);
  });
  return { total: count, hits: kept, nameIds: [...nameIds].sort((a, b) => a - b), trackIds };
}

/** Kernels whose `nsys stats` name (demangled, else short) is exactly `name`; see SearchQuery.match. */
function searchKernelName(model: TraceModel, name: string, limit: number): SearchResult {
  const K = model.kernels;
  // Each distinct name id is compared once: 0 not yet, 1 equal, 2 different.
  const seen = new Uint8Array(model.strings.length);
  const hits: SearchHit[] = [];
  for (let i = 0; i < K.count; i++) {
    const id = kernelNameId(model, i);
    if (seen[id] === 0) seen[id] = model.strings[id] === name ? 1 : 2;
    if (seen[id] === 1)
      hits.push({ lane: 'kernel', index: i, trackId: '', startNs: K.startNs[i], endNs: K.endNs[i], nameId: id, name: '' });
  }
  hits.sort((a, b) => a.startNs - b.startNs || a.index - b.index);
  const kept = hits.length > limit ? hits.slice(0, limit) : hits;
  for (const h of kept) {
    h.trackId = trackOfEvent(model, 'kernel', h.index);
    h.name = shortName(model, 'kernel', h.index);
  }
  const nameIds: number[] = [];
  for (let id = 0; id < seen.length; id++) if (seen[id] === 1) nameIds.push(id);
  // Every track holding a match (not only the listed hits), for the timeline's "filter rows".
  const trackIds = [...new Set(hits.map((h) => (h.trackId === '' ? trackOfEvent(model, 'kernel', h.index) : h.trackId)))];
  return { total: hits.length, hits: kept, nameIds, trackIds };
}
