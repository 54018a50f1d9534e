import type { GpuBusyRow, NsysBridge, Ns } from '../../shared/bridge';

/** Busy figures of one GPU row (key `gpu:0`, `gpuproc:0/34`, `stream:0/34/7`) for the row labels. */
export interface RowBusy {
  /** Busy time in the visible window / its length. */
  view: GpuBusyRow;
  /** Busy time over the whole trace (first to last event) / that span. */
  whole?: GpuBusyRow;
  viewT0: Ns;
  viewT1: Ns;
}

/**
 * GPU busy % of the visible window per GPU row, for the row labels (src/renderer/ui/gpu-busy-badge.tsx).
 * The controller reports every drawn view; the figures are fetched 150 ms after the view stops
 * changing (one getGpuBusy call, O(rows · log spans) in core), so panning never waits on it.
 * A small external store: the badges subscribe; nothing else re-renders.
 */
export class GpuBusyLabels {
  private rows = new Map<string, RowBusy>();
  private whole = new Map<string, GpuBusyRow>();
  private listeners = new Set<() => void>();
  private wantT0 = NaN;
  private wantT1 = NaN;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private seq = 0;
  version = 0;

  constructor(
    private readonly bridge: NsysBridge,
    private readonly traceId: string,
    private readonly wholeT0: Ns,
    private readonly wholeT1: Ns,
  ) {}

  private wholeAsked = false;

  /**
   * The whole-trace figures, asked for with the first view's: not at construction, where the
   * host would compute them (~100 ms over 500k kernels) before the first frame's slices (issue 15).
   */
  private askWhole(): void {
    if (this.wholeAsked || !(this.wholeT1 > this.wholeT0)) return;
    this.wholeAsked = true;
    void this.bridge.getGpuBusy(this.traceId, this.wholeT0, this.wholeT1).then((r) => {
      if (!r.ok) return;
      for (const row of r.value) this.whole.set(row.key, row);
      for (const [k, v] of this.rows) this.rows.set(k, { ...v, whole: this.whole.get(k) });
      this.changed();
    });
  }

  /** The view drawn this frame: refetch once it has been still for 150 ms. */
  viewIs(t0: Ns, t1: Ns): void {
    if (t0 === this.wantT0 && t1 === this.wantT1) return;
    this.wantT0 = t0;
    this.wantT1 = t1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.askWhole();
      const seq = ++this.seq;
      void this.bridge.getGpuBusy(this.traceId, t0, t1).then((r) => {
        if (!r.ok || seq !== this.seq) return;
        this.rows = new Map(r.value.map((v) => [v.key, { view: v, whole: this.whole.get(v.key), viewT0: t0, viewT1: t1 }]));
        this.changed();
      });
    }, 150);
  }

  get(key: string): RowBusy | undefined {
    return this.rows.get(key);
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.seq++;
    this.listeners.clear();
  }

  private changed(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }
}
