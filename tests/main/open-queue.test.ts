import { describe, expect, it } from 'vitest';
import { LaunchQueue, RendererOutbox } from '../../src/main/logic/open-queue';

describe('LaunchQueue', () => {
  it('holds paths until the app is ready, then opens each once, in order; later paths open at once', () => {
    const opened: string[] = [];
    const q = new LaunchQueue((p) => opened.push(p));
    q.add('/a.nsys-rep'); // macOS open-file before ready
    q.add('/b.sqlite'); // second-instance before ready
    q.add('/a.nsys-rep');
    expect(opened).toEqual([]);
    expect(q.markReady()).toBe(2);
    expect(opened).toEqual(['/a.nsys-rep', '/b.sqlite']);
    q.add('/c.qdrep');
    expect(opened).toEqual(['/a.nsys-rep', '/b.sqlite', '/c.qdrep']);
    expect(q.markReady()).toBe(0); // a second ready does not reopen anything
    expect(opened.length).toBe(3);
  });

  it('nothing queued: markReady says 0 so the app opens its sample trace', () => {
    expect(new LaunchQueue(() => undefined).markReady()).toBe(0);
  });
});

interface Ev {
  openId: string;
  fraction: number;
  state: string;
}

describe('RendererOutbox', () => {
  it('holds events until the page is ready, keeping only the latest per open, then passes them straight through', () => {
    const sent: Ev[] = [];
    const box = new RendererOutbox<Ev>(
      (e) => sent.push(e),
      (e) => e.openId,
    );
    for (let i = 0; i <= 100; i++) box.push({ openId: 'o1', fraction: i / 100, state: 'loading' });
    box.push({ openId: 'o2', fraction: 0, state: 'loading' });
    expect(sent).toEqual([]);
    box.markReady();
    expect(sent).toEqual([
      { openId: 'o1', fraction: 1, state: 'loading' },
      { openId: 'o2', fraction: 0, state: 'loading' },
    ]);
    box.push({ openId: 'o1', fraction: 1, state: 'done' });
    expect(sent.at(-1)).toEqual({ openId: 'o1', fraction: 1, state: 'done' });
  });

  it('is bounded whatever a page that never becomes ready does', () => {
    const sent: Ev[] = [];
    const box = new RendererOutbox<Ev>(
      (e) => sent.push(e),
      (e) => e.openId,
      8,
    );
    for (let i = 0; i < 10_000; i++) box.push({ openId: `o${i}`, fraction: 0, state: 'loading' });
    box.markReady();
    expect(sent.map((e) => e.openId)).toEqual(['o9992', 'o9993', 'o9994', 'o9995', 'o9996', 'o9997', 'o9998', 'o9999']);
  });

  it('a reload holds events again until the new page is ready', () => {
    const sent: Ev[] = [];
    const box = new RendererOutbox<Ev>(
      (e) => sent.push(e),
      (e) => e.openId,
    );
    box.markReady();
    box.reset();
    box.push({ openId: 'o1', fraction: 0.5, state: 'loading' });
    expect(sent).toEqual([]);
    box.markReady();
    expect(sent.length).toBe(1);
  });
});
