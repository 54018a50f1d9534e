// CSP: pixi v8 compiles uniform/shader sync code with `new Function` unless this polyfill module is
// loaded first; with it the strict CSP (no 'unsafe-eval') in index.html holds.
import 'pixi.js/unsafe-eval';
import { Application, BitmapText, Container, Graphics } from 'pixi.js';
import { THEME } from './colors';
import { InstancedRects } from './instanced-rects';

/**
 * The pixi.js scene: one WebGL Application with, back to front,
 *   rows      row bands (Graphics, ~one rect per visible row)
 *   rects     event slices (InstancedRects: one draw call)
 *   summary   busy profiles of collapsed groups (InstancedRects)
 *   labels    names on wide slices (pooled BitmapText)
 *   overlay   ruler, hover/selection outlines, range selection, flow arrows (Graphics)
 * The controller decides what goes in; this class only owns pixi objects. It never renders on its
 * own (autoStart off): the controller's single requestAnimationFrame loop calls render().
 */
export class TimelineScene {
  readonly app = new Application();
  /** init() finished: the canvas exists and frames may be drawn. */
  ready = false;
  readonly rows = new Graphics();
  readonly rects = new InstancedRects();
  readonly summary = new InstancedRects();
  readonly labels = new Container();
  readonly overlay = new Graphics();
  readonly rulerLabels = new Container();
  private labelPool: BitmapText[] = [];
  private labelUsed = 0;
  private rulerPool: BitmapText[] = [];
  private rulerUsed = 0;

  private starting: Promise<void> | null = null;
  /** performance.now() when pixi's WebGL set-up finished (before the trace info when prewarmed). */
  webglReadyAt = 0;

  /**
   * Starts pixi (WebGL context, renderer systems, the lazily loaded renderer chunks) at a size of
   * its own, without a host. prewarmScene() calls it while the page waits for the trace, so this
   * work (~0.4–1 s on SwiftShader under load) is not on the first frame's path (issue 15). Idempotent.
   */
  start(widthPx: number, heightPx: number): Promise<void> {
    this.starting ??= this.app
      .init({
        preference: 'webgl',
        background: THEME.background,
        antialias: false,
        autoStart: false,
        sharedTicker: false,
        resolution: Math.min(2, window.devicePixelRatio || 1),
        autoDensity: true,
        width: Math.max(1, widthPx),
        height: Math.max(1, heightPx),
        // Pixel tests and screenshots read the canvas back after the frame.
        preserveDrawingBuffer: true,
      })
      .then(() => {
        this.webglReadyAt = performance.now();
      });
    return this.starting;
  }

  async init(host: HTMLElement): Promise<void> {
    const w = Math.max(1, host.clientWidth);
    const h = Math.max(1, host.clientHeight);
    await this.start(w, h);
    // Destroyed while pixi was starting (a fast tab switch): destroy() tears it down once started.
    if (this.destroyed) return;
    this.app.ticker?.stop();
    // A prewarmed scene started at the window's size, not the host's.
    if (this.app.renderer.width !== w || this.app.renderer.height !== h) this.app.renderer.resize(w, h);
    const canvas = this.app.canvas;
    canvas.style.display = 'block';
    host.appendChild(canvas);
    this.addLayers();
    this.ready = true;
  }

  private layersAdded = false;

  private addLayers(): void {
    if (this.layersAdded) return;
    this.layersAdded = true;
    this.app.stage.addChild(this.rows, this.rects.mesh, this.summary.mesh, this.labels, this.overlay, this.rulerLabels);
  }

  /**
   * One throwaway frame with a slice, a busy bar, a row band, an outline and labels, drawn while
   * the page waits for the trace: SwiftShader compiles each shader and pixi builds the label font on
   * first use, which would otherwise land on the first frame with data (issue 15). Leaves the
   * scene empty.
   */
  warmUp(): void {
    if (this.destroyed || this.ready) return;
    this.addLayers();
    const w = this.app.renderer.width;
    const h = this.app.renderer.height;
    for (const r of [this.rects, this.summary]) {
      r.begin();
      r.push(0, 10, 30, 10, 0x76b900, 1, 0);
      r.commit();
      r.setView(0, 1, 0, 20, w, h);
    }
    this.rows.rect(0, 20, 10, 10).fill(THEME.background);
    this.overlay.rect(0, 0, 10, 10).stroke({ width: 1, color: 0xffffff });
    this.beginLabels();
    this.label('0', 0, 0);
    this.label('0', 0, 0, THEME.label, true);
    this.endLabels();
    this.app.render();
    for (const r of [this.rects, this.summary]) {
      r.begin();
      r.commit();
    }
    this.rows.clear();
    this.overlay.clear();
    this.beginLabels();
    this.endLabels();
  }

  get canvas(): HTMLCanvasElement {
    return this.app.canvas;
  }

  resize(widthPx: number, heightPx: number): void {
    this.app.renderer.resize(widthPx, heightPx);
  }

  /** The slice labels of the last frame, in drawing order (read by the automation API's tests). */
  readonly labelTexts: string[] = [];

  beginLabels(): void {
    this.labelTexts.length = 0;
    this.labelUsed = 0;
    this.rulerUsed = 0;
  }

  label(text: string, x: number, y: number, color = THEME.label, ruler = false): void {
    const pool = ruler ? this.rulerPool : this.labelPool;
    const used = ruler ? this.rulerUsed++ : this.labelUsed++;
    if (!ruler) this.labelTexts.push(text);
    let t = pool[used];
    if (!t) {
      t = new BitmapText({ text, style: { fontFamily: 'Arial', fontSize: 11, fill: 0xffffff } });
      pool.push(t);
      (ruler ? this.rulerLabels : this.labels).addChild(t);
    }
    if (t.text !== text) t.text = text;
    t.tint = color;
    t.visible = true;
    t.position.set(Math.round(x), Math.round(y));
  }

  endLabels(): void {
    for (let i = this.labelUsed; i < this.labelPool.length; i++) this.labelPool[i].visible = false;
    for (let i = this.rulerUsed; i < this.rulerPool.length; i++) this.rulerPool[i].visible = false;
  }

  get labelCount(): number {
    return this.labelUsed;
  }

  render(): void {
    this.app.render();
  }

  /** Block until the GPU (SwiftShader: the GPU process) has drawn the frame; for measurements only. */
  finishGpu(): void {
    const gl = (this.app.renderer as unknown as { gl?: WebGLRenderingContext }).gl;
    gl?.finish();
  }

  /** Set once destroy() ran; init() then cleans up instead of attaching a canvas. */
  destroyed = false;

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.ready) this.app.destroy(true, { children: true });
    // pixi cannot be destroyed mid-init ("_cancelResize is not a function"): once it has started.
    else
      this.starting?.then(
        () => this.app.destroy(true, { children: true }),
        () => {},
      );
  }
}

let prewarmed: TimelineScene | null = null;

/**
 * Starts one scene's WebGL at page load, while the trace is still opening (issue 15): the first
 * timeline takes it (takePrewarmedScene) and only attaches its canvas. The page calls this once it
 * has asked for the trace list, so the request is not queued behind the WebGL set-up. A failure
 * here is not reported: the timeline that takes the scene awaits the same start and reports it.
 */
export function prewarmScene(widthPx: number, heightPx: number): void {
  if (prewarmed || typeof document === 'undefined') return;
  const scene = (prewarmed = new TimelineScene());
  scene.start(widthPx, heightPx).then(
    () => {
      performance.mark('nsys:webgl-prewarmed');
      scene.warmUp();
    },
    () => {},
  );
}

/** The page shows no timeline after all (no trace, an error, Cancel): the prewarmed WebGL context goes. */
export function discardPrewarmedScene(): void {
  takePrewarmedScene()?.destroy();
}

/** The scene prewarmScene() started, once: later timelines start their own. */
export function takePrewarmedScene(): TimelineScene | null {
  const s = prewarmed;
  prewarmed = null;
  return s;
}

/** Approximate width of one character of the 11 px label font (labels are truncated by it). */
export const LABEL_CHAR_PX = 6.1;

export function fitLabel(text: string, widthPx: number): string | null {
  const max = Math.floor((widthPx - 6) / LABEL_CHAR_PX);
  if (max < 3) return null;
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
