import { describe, expect, it } from 'vitest';
import { FrameScheduler } from './frame-scheduler';

/** A fake animation-frame clock: callbacks run only when the test says a vsync happened. */
function fakeRaf() {
  const queue = new Map<number, () => void>();
  let next = 1;
  return {
    raf: (cb: () => void) => {
      queue.set(next, cb);
      return next++;
    },
    cancel: (id: number) => queue.delete(id),
    vsync() {
      const cbs = [...queue.values()];
      queue.clear();
      cbs.forEach((cb) => cb());
    },
    get waiting() {
      return queue.size;
    },
  };
}

describe('FrameScheduler (frames on demand)', () => {
  it('asks for no animation frame while nothing changed, and one frame for many requests', () => {
    const clock = fakeRaf();
    let drawn = 0;
    const s = new FrameScheduler(() => drawn++, clock.raf, clock.cancel);
    for (let i = 0; i < 10; i++) clock.vsync();
    expect(drawn).toBe(0);
    expect(clock.waiting).toBe(0);
    s.request();
    s.request();
    s.request();
    expect(clock.waiting).toBe(1);
    expect(s.isPending).toBe(true);
    clock.vsync();
    expect(drawn).toBe(1);
    expect(s.isPending).toBe(false);
    clock.vsync();
    expect(drawn).toBe(1);
  });

  it('a request made while drawing gets the next frame; stop cancels what is pending', () => {
    const clock = fakeRaf();
    let drawn = 0;
    const s = new FrameScheduler(
      () => {
        drawn++;
        if (drawn === 1) s.request(); // e.g. a label texture became ready during the frame
      },
      clock.raf,
      clock.cancel,
    );
    s.request();
    clock.vsync();
    expect(drawn).toBe(1);
    expect(clock.waiting).toBe(1);
    clock.vsync();
    expect(drawn).toBe(2);
    s.request();
    s.stop();
    expect(clock.waiting).toBe(0);
    s.request();
    clock.vsync();
    expect(drawn).toBe(2);
  });
});
