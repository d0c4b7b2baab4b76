import { afterEach, describe, expect, it, vi } from 'vitest';
import { DECIDE_WITHIN_MS, LiveStreams, type LiveStream } from '../../../main/core/gateway/live-streams.js';
import { silentLogger } from '../../../main/core/log.js';

/** A stream whose re-decision is `decide`, counting how often it was asked and closed. */
function stream(decide: () => Promise<boolean>) {
  const counts = { asked: 0, closed: 0 };
  const s: LiveStream = {
    stillAllowed: () => {
      counts.asked += 1;
      return decide();
    },
    close: () => {
      counts.closed += 1;
    },
  };
  return { s, counts };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('the registry of open streams', () => {
  it('runs no timer while no stream is open', () => {
    vi.useFakeTimers();
    const streams = new LiveStreams(silentLogger);
    expect(vi.getTimerCount()).toBe(0);
    const release = streams.add(stream(async () => true).s);
    expect(vi.getTimerCount()).toBe(1);
    release();
    expect(vi.getTimerCount()).toBe(0);
    streams.stateChanged();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('decides every open stream again each second and closes only those no longer allowed', async () => {
    vi.useFakeTimers();
    const streams = new LiveStreams(silentLogger);
    const kept = stream(async () => true);
    const ended = stream(async () => false);
    streams.add(kept.s);
    streams.add(ended.s);
    await vi.advanceTimersByTimeAsync(1_000);
    expect([kept.counts, ended.counts]).toEqual([
      { asked: 1, closed: 0 },
      { asked: 1, closed: 1 },
    ]);
    expect(streams.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect([kept.counts.asked, ended.counts.asked]).toEqual([2, 1]);
  });

  it('closes a stream whose decision cannot be made (fails closed)', async () => {
    const streams = new LiveStreams(silentLogger);
    const broken = stream(() => Promise.reject(new Error('database is unreadable')));
    streams.add(broken.s);
    await streams.sweep();
    expect(broken.counts.closed).toBe(1);
    expect(streams.size).toBe(0);
  });

  it('closes a stream whose decision never comes, and sweeps on (a stuck decision must not keep it open)', async () => {
    vi.useFakeTimers();
    const streams = new LiveStreams(silentLogger);
    const stuck = stream(() => new Promise<boolean>(() => undefined));
    const kept = stream(async () => true);
    streams.add(stuck.s);
    streams.add(kept.s);
    await vi.advanceTimersByTimeAsync(1_000 + DECIDE_WITHIN_MS);
    expect(stuck.counts).toEqual({ asked: 1, closed: 1 });
    expect(kept.counts.closed).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(kept.counts.asked).toBeGreaterThan(1);
    streams.closeAll();
  });

  it('a change seen during a sweep (its own bookkeeping write) does not start another sweep', async () => {
    const streams = new LiveStreams(silentLogger, undefined, 3_600_000);
    const writer = stream(async () => {
      streams.stateChanged();
      return true;
    });
    streams.add(writer.s);
    streams.stateChanged();
    await nextTurn();
    await nextTurn();
    await nextTurn();
    expect(writer.counts.asked).toBe(1);
    streams.closeAll();
  });

  it('a change noticed only as the sweep ends (its last decision wrote) does not start another sweep', async () => {
    let wrote = false;
    const streams: LiveStreams = new LiveStreams(
      silentLogger,
      () => {
        if (wrote) streams.stateChanged();
        wrote = false;
      },
      3_600_000,
    );
    const writer = stream(async () => {
      wrote = true;
      return true;
    });
    streams.add(writer.s);
    streams.stateChanged();
    await nextTurn();
    await nextTurn();
    await nextTurn();
    expect(writer.counts.asked).toBe(1);
    streams.closeAll();
  });

  it('a sweep asked for during another runs again after it, so a change just made is seen', async () => {
    const streams = new LiveStreams(silentLogger, undefined, 3_600_000);
    let release!: () => void;
    const first = new Promise<boolean>((resolve) => (release = () => resolve(true)));
    let calls = 0;
    const slow = stream(() => (++calls === 1 ? first : Promise.resolve(false)));
    streams.add(slow.s);
    const running = streams.sweep();
    const again = streams.sweep();
    release();
    await running;
    await again;
    expect(slow.counts).toEqual({ asked: 2, closed: 1 });
  });
});
