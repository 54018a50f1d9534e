/** Frame timings for the timeline bench and the automation API (bench/, tests/e2e). */
export class FrameStats {
  /** ms of work inside each frame callback (the newest ~1000–2000). */
  readonly frameMs: number[] = [];
  framesDrawn = 0;
  /** performance.now() of the first frame that drew slices (0 until then). */
  firstFrameAt = 0;
  /** performance.now() marks of start-up (webglReady, initStart, slicesAsked, pixiReady, slicesIn). */
  readonly marks: Record<string, number> = {};
  /** Canvas resizes after the timeline started (each reallocates the WebGL drawing buffer). */
  resizes = 0;

  record(ms: number, drewSlices: boolean, now: number): void {
    this.frameMs.push(ms);
    // Keep memory flat over hours of scrubbing; the bench reads a few hundred frames at a time.
    if (this.frameMs.length > 2000) this.frameMs.splice(0, 1000);
    this.framesDrawn++;
    if (this.firstFrameAt === 0 && drewSlices) this.firstFrameAt = now;
  }
}
