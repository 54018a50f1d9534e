import type { Ns, Track, TraceModel } from '../model/types';
import { eventNameId, laneTable, lowerBoundStart } from './lanes';

/** The lane's name-id column, if it has one (copies, memsets, graph executions are named in core/service/names.ts). */
function nameColumn(model: TraceModel, lane: Track['lane']): Int32Array | null {
  switch (lane) {
    case 'kernel':
      return model.kernels.shortNameId;
    case 'cuda-api':
      return model.api.nameId;
    case 'nvtx':
      return model.nvtx.nameId;
    case 'nvtx-gpu':
      return model.nvtxGpu.nameId;
    case 'osrt':
      return model.osrt.nameId;
    case 'sample':
      return model.samples.nameId;
    case 'memcpy':
    case 'memset':
    case 'graph':
    case 'sched':
    case 'gpu-memory':
      return null;
  }
}

/**
 * Level-of-detail slices of one track for a window drawn `widthPx` pixels wide.
 *
 * Coordinate note: one pixel spans pxNs = (t1 - t0) / widthPx nanoseconds. Adjacent events on the
 * same depth merge while the gap between them is under one pixel and either side is narrower than
 * a pixel, so a run of 10,000 sub-pixel kernels becomes one slice per pixel (count and busy fraction
 * tell what was merged) while events wider than a pixel stay separate and keep their names. The
 * number of slices is therefore bounded by ~2 × widthPx per depth, whatever the zoom: this is what
 * keeps WebGL frames cheap (SwiftShader costs ~0.5 µs per rectangle).
 *
 * All arrays are transferable typed arrays of length `count`.
 */
export interface LodSlices {
  trackId: string;
  t0: Ns;
  t1: Ns;
  widthPx: number;
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  depth: Uint16Array;
  /** Events merged into the slice. */
  eventCount: Uint32Array;
  /** Sum of merged event durations / slice span (1 = fully busy; may exceed 1 only with overlap). */
  busy: Float32Array;
  /** Lane-table index of the longest event in the slice: its name and colour represent the slice. */
  repIndex: Int32Array;
  /** model.strings id of the representative's name (-1 for memcpy/memset). */
  nameId: Int32Array;
  /**
   * The name that takes the most time in the slice ("mostly X"): its events' durations clipped to
   * [t0, t1] and summed per name; -1 when the lane's events carry no name. Same id space as nameId.
   */
  mostlyNameId: Int32Array;
  /** That name's summed clipped duration within the slice. */
  mostlyNs: Float64Array;
  /** Counter lanes (gpu-memory) only: the highest level within the slice. Filled by TraceService. */
  value?: Float64Array;
  /** NVTX lanes only: the representative's ARGB colour, -1 when the range set none. Filled by TraceService. */
  colorArgb?: Float64Array;
  /**
   * Kernel lanes only: model.strings id of the representative's name as `nsys stats` groups kernels
   * (demangled), where `nameId` is its short name. Filled by TraceService; the timeline highlights an
   * exact kernel (search match 'kernel-name') by it.
   */
  kernelNameId?: Int32Array;
}

/**
 * Scratch for the per-slice name tally, shared across calls (core runs on one thread): summed ns per
 * name id and the stamp of the slice that owns the sum, so nothing is cleared between slices and no
 * Map is built per slice. Grown to the largest id seen.
 */
let tallyNs = new Float64Array(0);
let tallyOwner = new Int32Array(0);
let tallyStamp = 0;

function growTally(id: number): void {
  const len = Math.max(id + 1, tallyNs.length * 2, 1024);
  const ns = new Float64Array(len);
  ns.set(tallyNs);
  const ow = new Int32Array(len);
  ow.set(tallyOwner);
  tallyNs = ns;
  tallyOwner = ow;
}

/** `x` copied into an array twice as long (a slice list outgrew its estimate). */
function grow<T extends Float64Array | Uint16Array | Uint32Array | Int32Array>(x: T): T {
  const y = new (x.constructor as new (len: number) => T)(x.length * 2);
  y.set(x);
  return y;
}

/** lodSlices' per-slice columns while they are filled. */
interface SliceCols {
  s: Float64Array<ArrayBuffer>;
  e: Float64Array<ArrayBuffer>;
  d: Uint16Array<ArrayBuffer>;
  cnt: Uint32Array<ArrayBuffer>;
  busyNs: Float64Array<ArrayBuffer>;
  rep: Int32Array<ArrayBuffer>;
  repDur: Float64Array<ArrayBuffer>;
  most: Int32Array<ArrayBuffer>;
  mostNs: Float64Array<ArrayBuffer>;
}

/** Every column twice as long, `n` slices kept (the new part of `most` is -1: no name yet). */
function growCols(c: SliceCols, n: number): SliceCols {
  const most = grow(c.most);
  most.fill(-1, n);
  return {
    s: grow(c.s),
    e: grow(c.e),
    d: grow(c.d),
    cnt: grow(c.cnt),
    busyNs: grow(c.busyNs),
    rep: grow(c.rep),
    repDur: grow(c.repDur),
    most,
    mostNs: grow(c.mostNs),
  };
}

export function lodSlices(
  model: TraceModel,
  track: Track,
  t0: Ns,
  t1: Ns,
  widthPx: number,
  depthOf?: (i: number) => number,
  /** Name id of event i for the tally; default: the lane's name column (none for copies, memsets, graphs). */
  nameIdOf?: (i: number) => number,
): LodSlices {
  const { startNs, endNs } = laneTable(model, track.lane);
  const idx = track.indices;
  const pxNs = Math.max(1e-9, (t1 - t0) / Math.max(1, widthPx));
  const from = lowerBoundStart(track, startNs, t0 - track.maxDurNs);
  const to = lowerBoundStart(track, startNs, t1 + 1);
  const depthFn =
    depthOf ??
    (track.lane === 'nvtx'
      ? (i: number) => model.nvtx.depth[i]
      : track.lane === 'nvtx-gpu'
        ? (i: number) => model.nvtxGpu.depth[i]
        : () => 0);
  // A plain column read in the hot loop when the lane has one (a callback per event costs ~3× the merge).
  const nameCol = nameIdOf ? null : nameColumn(model, track.lane);
  const nameOf = nameIdOf ?? ((i: number) => (nameCol ? nameCol[i] : -1));

  const cap = Math.min(to - from, Math.ceil(widthPx * 2 + 2) * track.depthCount) + 1;
  let s = new Float64Array(cap),
    e = new Float64Array(cap),
    d = new Uint16Array(cap);
  let cnt = new Uint32Array(cap),
    busyNs = new Float64Array(cap),
    rep = new Int32Array(cap),
    repDur = new Float64Array(cap);
  let n = 0;
  const open = new Int32Array(Math.max(1, track.depthCount)).fill(-1); // current slice per depth
  // Name tally ("mostly X"). One depth (every lane but NVTX): a slice's events are one run in start
  // order, so they are tallied as they merge, slice k owning the scratch under stamp base + k.
  // NVTX depths interleave: their events' slices are recorded and tallied after (tallyNames).
  const inline = track.depthCount <= 1;
  const sliceOf = new Int32Array(inline ? 0 : Math.max(0, to - from)).fill(-1);
  // Stamps are int32: start again (clearing the owners) long before they would overflow.
  if (tallyStamp > 0x3fffffff - (to - from)) {
    tallyOwner.fill(0);
    tallyStamp = 0;
  }
  const base = tallyStamp + 1;
  let most = new Int32Array(cap).fill(-1),
    mostNs = new Float64Array(cap);
  let tNs = tallyNs;
  let tOwner = tallyOwner;

  // One depth, its names from a column or none (kernels, CUDA API, OSRT, samples: every fit-all
  // view of a big trace): the loop below keeps the open slice in locals (issue 15: the first
  // frame's fit-all scan of 3M kernels). It computes what the general loop computes, in the same
  // order (tests/lod-fast-path.test.ts compares the two on real traces). Such tracks skip the
  // general loop: it starts at `to`.
  const plain = inline && !depthOf && !nameIdOf && track.lane !== 'nvtx' && track.lane !== 'nvtx-gpu';
  for (let p = plain ? to : from; p < to; p++) {
    const i = idx[p];
    const a = startNs[i];
    const b = endNs[i];
    if (b < t0 || a > t1) continue;
    const dep = depthFn(i);
    const dur = b - a;
    const cur = dep < open.length ? open[dep] : -1;
    let k: number;
    if (cur >= 0 && a - e[cur] < pxNs && (e[cur] - s[cur] < pxNs || dur < pxNs)) {
      k = cur;
      if (b > e[cur]) e[cur] = b;
      cnt[cur]++;
      busyNs[cur] += dur;
      if (dur > repDur[cur]) {
        repDur[cur] = dur;
        rep[cur] = i;
      }
    } else {
      if (n === s.length)
        ({ s, e, d, cnt, busyNs, rep, repDur, most, mostNs } = growCols({ s, e, d, cnt, busyNs, rep, repDur, most, mostNs }, n));
      s[n] = a;
      e[n] = b;
      d[n] = dep;
      cnt[n] = 1;
      busyNs[n] = dur;
      rep[n] = i;
      repDur[n] = dur;
      if (dep < open.length) open[dep] = n;
      k = n++;
    }
    if (!inline) {
      sliceOf[p - from] = k;
      continue;
    }
    const id = nameCol ? nameCol[i] : nameOf(i);
    if (id < 0) continue;
    if (id >= tNs.length) {
      growTally(id);
      tNs = tallyNs;
      tOwner = tallyOwner;
    }
    const stamp = base + k;
    if (tOwner[id] !== stamp) {
      tOwner[id] = stamp;
      tNs[id] = 0;
    }
    const sum = (tNs[id] += (b < t1 ? b : t1) - (a > t0 ? a : t0));
    // Ties go to the smaller id so the answer does not depend on event order.
    const best = mostNs[k];
    if (sum > best || (sum === best && (id < most[k] || most[k] < 0))) {
      mostNs[k] = sum;
      most[k] = id;
    }
  }
  if (plain) {
    // The open slice k: its start, end, count, summed duration, representative and its duration,
    // and its leading name and that name's sum; written to the arrays when the next one opens.
    let k = -1;
    let cs = 0;
    let ce = 0;
    let cCnt = 0;
    let cBusy = 0;
    let cRep = 0;
    let cRepDur = 0;
    let cMost = -1;
    let cMostNs = 0;
    // The tally of the name last seen in slice k: its running sum lives here until another name comes.
    let lastId = -1;
    let lastSum = 0;
    for (let p = from; p < to; p++) {
      const i = idx[p];
      const a = startNs[i];
      const b = endNs[i];
      if (b < t0 || a > t1) continue;
      const dur = b - a;
      if (k >= 0 && a - ce < pxNs && (ce - cs < pxNs || dur < pxNs)) {
        if (b > ce) ce = b;
        cCnt++;
        cBusy += dur;
        if (dur > cRepDur) {
          cRepDur = dur;
          cRep = i;
        }
      } else {
        if (k >= 0) {
          e[k] = ce;
          cnt[k] = cCnt;
          busyNs[k] = cBusy;
          rep[k] = cRep;
          repDur[k] = cRepDur;
          most[k] = cMost;
          mostNs[k] = cMostNs;
        }
        if (n === s.length)
          ({ s, e, d, cnt, busyNs, rep, repDur, most, mostNs } = growCols({ s, e, d, cnt, busyNs, rep, repDur, most, mostNs }, n));
        k = n++;
        s[k] = cs = a;
        ce = b;
        cCnt = 1;
        cBusy = dur;
        cRep = i;
        cRepDur = dur;
        cMost = -1;
        cMostNs = 0;
        lastId = -1;
      }
      const id = nameCol ? nameCol[i] : -1;
      if (id < 0) continue;
      if (id !== lastId) {
        if (lastId >= 0) tNs[lastId] = lastSum;
        if (id >= tNs.length) {
          growTally(id);
          tNs = tallyNs;
          tOwner = tallyOwner;
        }
        const stamp = base + k;
        if (tOwner[id] !== stamp) {
          tOwner[id] = stamp;
          lastSum = 0;
        } else lastSum = tNs[id];
        lastId = id;
      }
      lastSum += (b < t1 ? b : t1) - (a > t0 ? a : t0);
      // Ties go to the smaller id so the answer does not depend on event order.
      if (lastSum > cMostNs || (lastSum === cMostNs && (id < cMost || cMost < 0))) {
        cMostNs = lastSum;
        cMost = id;
      }
    }
    if (k >= 0) {
      e[k] = ce;
      cnt[k] = cCnt;
      busyNs[k] = cBusy;
      rep[k] = cRep;
      repDur[k] = cRepDur;
      most[k] = cMost;
      mostNs[k] = cMostNs;
    }
    if (lastId >= 0) tNs[lastId] = lastSum;
  }
  tallyStamp = base + n;
  const busy = new Float32Array(n);
  const nameId = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const span = e[k] - s[k];
    busy[k] = span > 0 ? busyNs[k] / span : 1;
    nameId[k] = eventNameId(model, track.lane, rep[k]);
  }
  const { mostlyNameId, mostlyNs } = inline
    ? { mostlyNameId: most.slice(0, n), mostlyNs: mostNs.slice(0, n) }
    : tallyNames(n, cnt, sliceOf, from, idx, startNs, endNs, t0, t1, nameOf);
  return {
    trackId: track.id,
    t0,
    t1,
    widthPx,
    count: n,
    startNs: s.slice(0, n),
    endNs: e.slice(0, n),
    depth: d.slice(0, n),
    eventCount: cnt.slice(0, n),
    busy,
    repIndex: rep.slice(0, n),
    nameId,
    mostlyNameId,
    mostlyNs,
  };
}

/**
 * Dominant name per slice by total (window-clipped) time. Events of one merged slice are regrouped
 * with a counting sort on their slice index (NVTX depths interleave in start order), then each
 * slice's run is tallied in the shared scratch: O(events + slices), no allocation per slice.
 */
function tallyNames(
  n: number,
  cnt: Uint32Array,
  sliceOf: Int32Array,
  from: number,
  idx: ArrayLike<number>,
  startNs: Float64Array,
  endNs: Float64Array,
  t0: Ns,
  t1: Ns,
  nameIdOf: (i: number) => number,
): { mostlyNameId: Int32Array; mostlyNs: Float64Array } {
  const mostlyNameId = new Int32Array(n).fill(-1);
  const mostlyNs = new Float64Array(n);
  const clip = (i: number) => Math.max(0, Math.min(endNs[i], t1) - Math.max(startNs[i], t0));
  const offset = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) offset[k + 1] = offset[k] + cnt[k];
  const order = new Int32Array(offset[n]);
  const fill = offset.slice(0, n);
  for (let q = 0; q < sliceOf.length; q++) {
    const k = sliceOf[q];
    if (k >= 0) order[fill[k]++] = idx[q + from];
  }
  for (let k = 0; k < n; k++) {
    if (cnt[k] === 1) {
      mostlyNameId[k] = nameIdOf(order[offset[k]]);
      mostlyNs[k] = clip(order[offset[k]]);
      continue;
    }
    const stamp = ++tallyStamp;
    let best = -1;
    let bestNs = -1;
    for (let q = offset[k]; q < offset[k + 1]; q++) {
      const i = order[q];
      const id = nameIdOf(i);
      if (id < 0) continue;
      if (id >= tallyNs.length) growTally(id);
      if (tallyOwner[id] !== stamp) {
        tallyOwner[id] = stamp;
        tallyNs[id] = 0;
      }
      const sum = (tallyNs[id] += clip(i));
      // Ties go to the smaller id so the answer does not depend on event order.
      if (sum > bestNs || (sum === bestNs && id < best)) {
        bestNs = sum;
        best = id;
      }
    }
    mostlyNameId[k] = best;
    mostlyNs[k] = best >= 0 ? bestNs : 0;
  }
  return { mostlyNameId, mostlyNs };
}

/**
 * Adds the coverage of [pa, pb) (pixel units, 0 ≤ pa ≤ pb ≤ out.length) to each pixel it touches:
 * the partial first and last pixels by their covered share, the ones between by 1.
 */
export function addPixelCoverage(out: Float32Array | Float64Array, pa: number, pb: number): void {
  const ia = Math.floor(pa);
  const ib = Math.min(out.length - 1, Math.floor(pb));
  if (ia === ib) {
    out[ia] += pb - pa;
    return;
  }
  out[ia] += ia + 1 - pa;
  for (let x = ia + 1; x < ib; x++) out[x] += 1;
  out[ib] += pb - ib;
}

/**
 * Busy fraction per pixel across several tracks (the summary lane of a collapsed row): for each of
 * `widthPx` buckets, the covered share of its time, summed over tracks and clamped to 1.
 */
export function busyProfile(model: TraceModel, tracks: Track[], t0: Ns, t1: Ns, widthPx: number): Float32Array {
  const out = new Float32Array(widthPx);
  const pxNs = (t1 - t0) / widthPx;
  if (!(pxNs > 0)) return out;
  for (const track of tracks) {
    // Ranges annotate time, samples are instants, running intervals are not calls and a memory
    // counter is a level: none of them occupies the GPU or a thread.
    if (
      track.lane === 'nvtx' ||
      track.lane === 'nvtx-gpu' ||
      track.lane === 'sample' ||
      track.lane === 'sched' ||
      track.lane === 'gpu-memory'
    )
      continue;
    const { startNs, endNs } = laneTable(model, track.lane);
    const idx = track.indices;
    const from = lowerBoundStart(track, startNs, t0 - track.maxDurNs);
    const to = lowerBoundStart(track, startNs, t1 + 1);
    for (let p = from; p < to; p++) {
      const i = idx[p];
      const a = Math.max(t0, startNs[i]);
      const b = Math.min(t1, endNs[i]);
      if (b <= a) continue;
      addPixelCoverage(out, (a - t0) / pxNs, (b - t0) / pxNs);
    }
  }
  for (let x = 0; x < widthPx; x++) if (out[x] > 1) out[x] = 1;
  return out;
}
