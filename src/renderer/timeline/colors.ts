import { CATEGORY_COLORS, CATEGORY_LABELS, eventCategory, type EventCategory } from '../../core/util/kernel-category';
import type { LaneKind, NsysBridge } from '../../shared/bridge';

export const THEME = {
  background: 0x15171c,
  rowAlt: 0x191c22,
  groupRow: 0x1e222a,
  rulerBg: 0x22262e,
  rulerText: 0xc9d1d9,
  tick: 0x4a5260,
  grid: 0x262a32,
  selection: 0x58a6ff,
  hover: 0xffffff,
  flow: 0xffb000,
  searchHit: 0xffe14d,
  summaryGpu: 0x4c8bf5,
  summaryCpu: 0x6f7f99,
  label: 0xffffff,
};

export const LANE_DEFAULT: Record<LaneKind, number> = {
  kernel: CATEGORY_COLORS.kernel,
  // Graph executions stand for many kernels at once: one distinct colour, not a kernel category's.
  graph: 0xd4c4a8, // sand
  memcpy: CATEGORY_COLORS['memcpy-other'],
  memset: CATEGORY_COLORS.memset,
  'cuda-api': CATEGORY_COLORS['cuda-api'],
  nvtx: CATEGORY_COLORS.nvtx,
  osrt: CATEGORY_COLORS.osrt,
  sample: 0xd9d9d9, // light grey ticks
  sched: 0x2f6b3a, // dark green: running
  'gpu-memory': 0x5b8def, // blue fill of the memory counter
  'nvtx-gpu': CATEGORY_COLORS.nvtx,
};

/** What a lane's one colour means, in a screenshot's legend (lanes not coloured by category). */
export const LANE_LEGEND: Record<LaneKind, string> = {
  kernel: CATEGORY_LABELS.kernel,
  graph: 'CUDA graph execution',
  memcpy: CATEGORY_LABELS['memcpy-other'],
  memset: CATEGORY_LABELS.memset,
  'cuda-api': CATEGORY_LABELS['cuda-api'],
  nvtx: CATEGORY_LABELS.nvtx,
  osrt: CATEGORY_LABELS.osrt,
  sample: 'CPU sample',
  sched: 'Thread running',
  'gpu-memory': 'GPU memory in use',
  'nvtx-gpu': CATEGORY_LABELS.nvtx,
};

/** One legend line: the colour a slice is drawn in and what that colour stands for. */
export interface LegendKey {
  /** Stable identity: a category (`cat:gemm`), a lane's one colour (`lane:osrt`) or an NVTX name (`nvtx:…`). */
  key: string;
  label: string;
  color: number;
}

/**
 * Names and colours by name id, fetched from the bridge in batches as slices reveal new ids (a
 * trace has thousands of names at most, so they are kept for the session).
 */
export class NameBook {
  private readonly names = new Map<number, string>();
  private readonly colors = new Map<string, number>();
  private pending = new Set<number>();
  private inFlight = false;

  constructor(
    private readonly bridge: NsysBridge,
    private readonly traceId: string,
    private readonly onNames: () => void,
  ) {}

  name(id: number): string | undefined {
    return this.names.get(id);
  }

  /** Colour of a slice; unknown names get the lane colour until their text arrives. */
  color(lane: LaneKind, nameId: number): number {
    if (nameId < 0) return LANE_DEFAULT[lane];
    if (
      lane === 'cuda-api' ||
      lane === 'osrt' ||
      lane === 'memset' ||
      lane === 'graph' ||
      lane === 'sample' ||
      lane === 'sched' ||
      lane === 'gpu-memory'
    ) {
      // One colour per lane, but labels still need the name.
      if (!this.names.has(nameId)) this.pending.add(nameId);
      return LANE_DEFAULT[lane];
    }
    const key = `${lane}:${nameId}`;
    const c = this.colors.get(key);
    if (c !== undefined) return c;
    const name = this.names.get(nameId);
    if (name === undefined) {
      this.pending.add(nameId);
      return LANE_DEFAULT[lane];
    }
    // A projected range takes its CPU range's colour (same name, same hash).
    const col = lane === 'nvtx' || lane === 'nvtx-gpu' ? nvtxHashColor(name) : CATEGORY_COLORS[eventCategory(lane, name)];
    this.colors.set(key, col);
    return col;
  }

  /**
   * What the colour color() gives this slice stands for. `argb` is an NVTX range's own colour
   * (-1: none), which the scene draws instead of color()'s.
   */
  legendKey(lane: LaneKind, nameId: number, argb = -1): LegendKey {
    const name = nameId >= 0 ? this.names.get(nameId) : undefined;
    if (lane === 'nvtx' || lane === 'nvtx-gpu') {
      const color = argb >= 0 ? argb % 0x1000000 : this.color(lane, nameId);
      // Ranges are coloured per name (or by the colour the program gave them): one line per name.
      return name
        ? { key: `nvtx:${color}:${name}`, label: `NVTX ${name}`, color }
        : { key: `lane:${lane}:${color}`, label: LANE_LEGEND[lane], color };
    }
    const color = this.color(lane, nameId);
    if ((lane === 'kernel' || lane === 'memcpy') && name !== undefined) {
      const cat: EventCategory = eventCategory(lane, name);
      return { key: `cat:${cat}`, label: CATEGORY_LABELS[cat], color };
    }
    // Lanes of one colour, and names not fetched yet (drawn in the lane's colour).
    const cat = lane === 'kernel' ? 'kernel' : lane === 'memcpy' ? 'memcpy-other' : null;
    return { key: cat ? `cat:${cat}` : `lane:${lane}`, label: LANE_LEGEND[lane], color };
  }

  /** No names queued or on their way: a frame drawn now uses every name's own colour. */
  get idle(): boolean {
    return !this.inFlight && this.pending.size === 0;
  }

  want(ids: Iterable<number>): void {
    for (const id of ids) if (id >= 0 && !this.names.has(id)) this.pending.add(id);
  }

  /** Ask for the names queued by color()/want(); onNames() fires when they arrive. */
  flush(): void {
    if (this.inFlight || this.pending.size === 0) return;
    const ids = [...this.pending].slice(0, 50_000);
    for (const id of ids) this.pending.delete(id);
    this.inFlight = true;
    void this.bridge.getStrings(this.traceId, ids).then((r) => {
      this.inFlight = false;
      if (r.ok) {
        for (const id of ids) this.names.set(id, r.value[id] ?? '');
        this.onNames();
      }
    });
  }
}

/** NVTX ranges without a colour: a stable pastel per name, like Nsight Systems. */
function nvtxHashColor(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  const hue = ((h >>> 0) % 360) / 360;
  return hslToRgb(hue, 0.45, 0.55);
}

function hslToRgb(h: number, s: number, l: number): number {
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return (f(0) << 16) | (f(8) << 8) | f(4);
}
