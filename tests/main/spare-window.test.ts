import { describe, expect, it } from 'vitest';
import { SpareSlot } from '../../src/main/logic/spare-window';

interface W {
  name: string;
}

describe('SpareSlot', () => {
  it('a spare is wanted only when on, with a user window, no open running and no spare yet', () => {
    let on = true;
    const slot = new SpareSlot<W>(() => on);
    expect(slot.wanted(0, 0)).toBe(false); // no window yet (launch): the first open is cold
    expect(slot.wanted(1, 1)).toBe(false); // an open runs: the spare would compete for the CPU
    expect(slot.wanted(1, 0)).toBe(true);
    on = false; // settings.json "spareWindow": false
    expect(slot.wanted(1, 0)).toBe(false);
    on = true;
    slot.created({ name: 'spare' });
    expect(slot.wanted(3, 0)).toBe(false); // one spare at most
  });

  it('an open takes the spare only once its page is ready; then it is an ordinary window and a new spare is wanted', () => {
    const slot = new SpareSlot<W>(() => true);
    const a = { name: 'a' };
    slot.created(a);
    expect(slot.take()).toBeUndefined(); // its page still loads: the open gets a new window
    slot.pageReady({ name: 'other' });
    expect(slot.take()).toBeUndefined();
    slot.pageReady(a);
    expect(slot.isSpare(a)).toBe(true);
    expect(slot.take()).toBe(a);
    expect(slot.isSpare(a)).toBe(false);
    expect(slot.take()).toBeUndefined(); // the second file of a multi-selection gets a new window
    expect(slot.gone(a)).toBe(false); // closing it later is not the spare going
    expect(slot.wanted(1, 0)).toBe(true);
    const b = { name: 'b' };
    slot.created(b);
    expect(slot.take()).toBeUndefined(); // a new spare starts not ready
  });

  it('a spare whose page crashed or failed to load is dropped, and none is made again this session', () => {
    const slot = new SpareSlot<W>(() => true);
    const a = { name: 'a' };
    slot.created(a);
    expect(slot.failed({ name: 'user window' })).toBe(false);
    expect(slot.wanted(1, 0)).toBe(false);
    expect(slot.failed(a)).toBe(true);
    expect(slot.current).toBeUndefined();
    expect(slot.wanted(1, 0)).toBe(false);
  });

  it('the spare must go when the last user window has gone, so that the app can quit', () => {
    const slot = new SpareSlot<W>(() => true);
    expect(slot.mustDrop(0)).toBe(false);
    const a = { name: 'a' };
    slot.created(a);
    expect(slot.mustDrop(1)).toBe(false);
    expect(slot.mustDrop(0)).toBe(true);
    expect(slot.gone(a)).toBe(true);
    expect(slot.mustDrop(0)).toBe(false);
    expect(slot.wanted(1, 0)).toBe(true); // dropped, not broken: a later window gets a spare again
  });
});
