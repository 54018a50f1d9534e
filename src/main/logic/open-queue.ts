/**
 * Files can arrive before anything can show them: macOS sends open-file during launch, a second
 * instance forwards its argv while we start, and a window's progress events can be ready before its
 * page subscribes. These two queues hold them until the receiver says it is ready.
 */

/** Paths named before the app is ready, opened in order (once each) when it is. */
export class LaunchQueue {
  private pending: string[] = [];
  private ready = false;

  constructor(private readonly open: (path: string) => void) {}

  add(path: string): void {
    if (this.ready) this.open(path);
    else if (!this.pending.includes(path)) this.pending.push(path);
  }

  /** Returns how many queued paths were opened (0: the caller may open its default). */
  markReady(): number {
    if (this.ready) return 0;
    this.ready = true;
    const paths = this.pending;
    this.pending = [];
    for (const p of paths) this.open(p);
    return paths.length;
  }

  get isReady(): boolean {
    return this.ready;
  }
}

/**
 * Events for one window's page, held until its rendererReady. Bounded however long the page takes:
 * events with the same key replace each other (progress of one open keeps only its latest), and at
 * most `maxHeld` keys are held (the oldest go first).
 */
export class RendererOutbox<T> {
  private held = new Map<string, T>();
  private ready = false;

  constructor(
    private readonly send: (event: T) => void,
    private readonly keyOf: (event: T) => string,
    private readonly maxHeld = 64,
  ) {}

  push(event: T): void {
    if (this.ready) return this.send(event);
    const key = this.keyOf(event);
    this.held.delete(key);
    this.held.set(key, event);
    while (this.held.size > this.maxHeld) this.held.delete(this.held.keys().next().value as string);
  }

  /** Flushes held events in arrival order; later events go straight through. A page reload calls it again. */
  markReady(): void {
    this.ready = true;
    const events = [...this.held.values()];
    this.held.clear();
    for (const e of events) this.send(e);
  }

  /** The page navigated or reloaded: hold events again until it is ready. */
  reset(): void {
    this.ready = false;
  }
}
