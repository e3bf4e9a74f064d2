import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAutosaver } from './autosave';

describe('autosave', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves once per delay, never later than the delay after the first change', async () => {
    const saves: string[][] = [];
    const saver = createAutosaver<'a' | 'b'>({
      delayMs: 500,
      save: async (parts) => {
        saves.push([...parts].sort());
      },
      onError: () => {},
    });
    saver.mark('a');
    await vi.advanceTimersByTimeAsync(300);
    saver.mark('b');
    await vi.advanceTimersByTimeAsync(199);
    expect(saves).toEqual([]);
    // Changes every 100 ms (training curves) do not push the save back.
    await vi.advanceTimersByTimeAsync(1);
    expect(saves).toEqual([['a', 'b']]);
    for (let i = 0; i < 10; i++) {
      saver.mark('a');
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(saves).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(2000);
    expect(saves).toHaveLength(3);
  });

  it('does not overlap saves, saves changes made during a save after it, and flushes on demand', async () => {
    let release: () => void = () => {};
    let running = 0;
    let most = 0;
    const saves: string[][] = [];
    const saver = createAutosaver<'a' | 'b'>({
      delayMs: 500,
      save: (parts) => {
        running++;
        most = Math.max(most, running);
        saves.push([...parts]);
        return new Promise<void>((r) => {
          release = () => {
            running--;
            r();
          };
        });
      },
      onError: () => {},
    });
    saver.mark('a');
    await vi.advanceTimersByTimeAsync(500);
    saver.mark('b');
    await vi.advanceTimersByTimeAsync(2000);
    expect(saves).toEqual([['a']]);
    release();
    await vi.advanceTimersByTimeAsync(500);
    expect(saves).toEqual([['a'], ['b']]);
    release();
    await vi.advanceTimersByTimeAsync(0);
    saver.mark('a');
    const flushed = saver.flush();
    expect(saves).toEqual([['a'], ['b'], ['a']]);
    release();
    await flushed;
    expect(most).toBe(1);
    saver.mark('b');
    saver.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(saves).toHaveLength(3);
  });

  it('reports a failed save and keeps saving later changes', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const saved: string[][] = [];
    const saver = createAutosaver<'a'>({
      delayMs: 10,
      save: async (parts) => {
        if (fail) throw Object.assign(new Error('full'), { name: 'QuotaExceededError' });
        saved.push([...parts]);
      },
      onError: (e) => errors.push(e),
    });
    saver.mark('a');
    await vi.advanceTimersByTimeAsync(10);
    expect(errors).toHaveLength(1);
    fail = false;
    saver.mark('a');
    await vi.advanceTimersByTimeAsync(10);
    expect(saved).toEqual([['a']]);
  });
});
