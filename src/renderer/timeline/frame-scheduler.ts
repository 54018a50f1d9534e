/**
 * Frames on demand (as Perfetto's raf_scheduler): nothing runs while nothing changed. `request()`
 * asks for one frame; any number of requests before it runs make one frame; a request made while
 * the frame is drawing (a fetch landing, a label texture) makes the next one. An idle timeline
 * therefore costs no animation-frame callbacks at all, instead of one per vsync forever.
 */
export class FrameScheduler {
  private rafId = 0;
  private pending = false;
  private stopped = false;

  constructor(
    private readonly draw: () => void,
    private readonly raf: (cb: () => void) => number = (cb) => requestAnimationFrame(cb),
    private readonly cancelRaf: (id: number) => void = (id) => cancelAnimationFrame(id),
  ) {}

  /** A frame has been asked for and not drawn yet. */
  get isPending(): boolean {
    return this.pending;
  }

  request(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    this.rafId = this.raf(() => {
      this.pending = false;
      if (!this.stopped) this.draw();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.pending) this.cancelRaf(this.rafId);
    this.pending = false;
  }
}
