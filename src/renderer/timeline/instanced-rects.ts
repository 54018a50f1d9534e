import { Buffer, BufferUsage, Geometry, Mesh, Shader } from 'pixi.js';

/**
 * Thousands of rectangles in one draw call: a unit quad instanced per rectangle. Instance data is
 * in window-relative ns (x) and content px (y); panning, zooming and vertical scrolling only change
 * the `uView` uniform, so a pan frame uploads nothing. Instances are rebuilt only when slices,
 * layout, search highlights or names change.
 *
 * Per instance: aRect = (t0 - origin ns, t1 - origin ns, content y px, height px),
 * aColor = (r, g, b, a), aFlags = 1 for a search match (drawn with a bright outline).
 */
const VERTEX = `
in vec2 aPosition;
in vec4 aRect;
in vec4 aColor;
in float aFlags;
uniform mat3 uProjectionMatrix;
uniform mat3 uWorldTransformMatrix;
uniform mat3 uTransformMatrix;
uniform vec4 uView;   // (view t0 - origin ns, px per ns, scrollY px, ruler height px)
uniform vec2 uCanvas; // (width px, height px)
out vec4 vColor;
out vec2 vLocal;
out vec2 vSize;
out float vFlags;
void main() {
  float x0 = clamp((aRect.x - uView.x) * uView.y, -16.0, uCanvas.x + 16.0);
  float x1 = clamp((aRect.y - uView.x) * uView.y, -16.0, uCanvas.x + 16.0);
  float w = max(x1 - x0, 1.0);
  float y0 = aRect.z - uView.z + uView.w;
  vec2 p = vec2(x0 + aPosition.x * w, y0 + aPosition.y * aRect.w);
  vLocal = aPosition * vec2(w, aRect.w);
  vSize = vec2(w, aRect.w);
  vColor = aColor;
  vFlags = aFlags;
  gl_Position = vec4((uProjectionMatrix * uWorldTransformMatrix * uTransformMatrix * vec3(p, 1.0)).xy, 0.0, 1.0);
}`;

const FRAGMENT = `
in vec4 vColor;
in vec2 vLocal;
in vec2 vSize;
in float vFlags;
out vec4 finalColor;
void main() {
  vec4 c = vColor;
  if (vFlags > 0.5) {
    float edge = min(min(vLocal.x, vSize.x - vLocal.x), min(vLocal.y, vSize.y - vLocal.y));
    if (edge < 1.5) c = vec4(1.0, 0.882, 0.302, 1.0);
  }
  finalColor = vec4(c.rgb * c.a, c.a);
}`;

export class InstancedRects {
  readonly mesh: Mesh<Geometry, Shader>;
  private readonly geometry: Geometry;
  private readonly rectBuf: Buffer;
  private readonly colorBuf: Buffer;
  private readonly flagBuf: Buffer;
  private rect = new Float32Array(4 * 1024);
  private color = new Float32Array(4 * 1024);
  private flags = new Float32Array(1024);
  private n = 0;
  private readonly uniforms: { uView: Float32Array; uCanvas: Float32Array };

  constructor() {
    this.rectBuf = new Buffer({ data: this.rect, usage: BufferUsage.VERTEX | BufferUsage.COPY_DST });
    this.colorBuf = new Buffer({ data: this.color, usage: BufferUsage.VERTEX | BufferUsage.COPY_DST });
    this.flagBuf = new Buffer({ data: this.flags, usage: BufferUsage.VERTEX | BufferUsage.COPY_DST });
    this.geometry = new Geometry({
      attributes: {
        aPosition: [0, 0, 1, 0, 1, 1, 0, 1],
        aRect: { buffer: this.rectBuf, format: 'float32x4', instance: true },
        aColor: { buffer: this.colorBuf, format: 'float32x4', instance: true },
        aFlags: { buffer: this.flagBuf, format: 'float32', instance: true },
      },
      indexBuffer: [0, 1, 2, 0, 2, 3],
      instanceCount: 0,
    });
    const shader = Shader.from({
      gl: { vertex: VERTEX, fragment: FRAGMENT, name: 'timeline-rects' },
      resources: {
        viewUniforms: {
          uView: { value: new Float32Array(4), type: 'vec4<f32>' },
          uCanvas: { value: new Float32Array(2), type: 'vec2<f32>' },
        },
      },
    });
    this.uniforms = shader.resources.viewUniforms.uniforms as { uView: Float32Array; uCanvas: Float32Array };
    this.mesh = new Mesh({ geometry: this.geometry, shader });
    this.mesh.visible = false;
  }

  get count(): number {
    return this.n;
  }

  begin(): void {
    this.n = 0;
  }

  push(t0Rel: number, t1Rel: number, y: number, h: number, rgb: number, alpha: number, flag: number): void {
    if (this.n * 4 >= this.rect.length) this.grow();
    const o = this.n * 4;
    this.rect[o] = t0Rel;
    this.rect[o + 1] = t1Rel;
    this.rect[o + 2] = y;
    this.rect[o + 3] = h;
    this.color[o] = ((rgb >> 16) & 255) / 255;
    this.color[o + 1] = ((rgb >> 8) & 255) / 255;
    this.color[o + 2] = (rgb & 255) / 255;
    this.color[o + 3] = alpha;
    this.flags[this.n] = flag;
    this.n++;
  }

  private grow(): void {
    const r = new Float32Array(this.rect.length * 2);
    r.set(this.rect);
    const c = new Float32Array(this.color.length * 2);
    c.set(this.color);
    const f = new Float32Array(this.flags.length * 2);
    f.set(this.flags);
    this.rect = r;
    this.color = c;
    this.flags = f;
  }

  /** Upload what was pushed since begin(). */
  commit(): void {
    this.rectBuf.data = this.rect;
    this.colorBuf.data = this.color;
    this.flagBuf.data = this.flags;
    // Upload only the used prefix (pixi sends the whole array otherwise).
    this.rectBuf.update(this.n * 16);
    this.colorBuf.update(this.n * 16);
    this.flagBuf.update(this.n * 4);
    this.geometry.instanceCount = this.n;
    this.mesh.visible = this.n > 0;
  }

  setView(viewT0Rel: number, pxPerNs: number, scrollY: number, rulerPx: number, widthPx: number, heightPx: number): void {
    const u = this.uniforms.uView;
    u[0] = viewT0Rel;
    u[1] = pxPerNs;
    u[2] = scrollY;
    u[3] = rulerPx;
    this.uniforms.uCanvas[0] = widthPx;
    this.uniforms.uCanvas[1] = heightPx;
  }
}
