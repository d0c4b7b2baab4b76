import { describe, expect, it } from 'vitest';
import { HashGate } from '../../../main/core/auth/hash-gate.js';

/** Work that finishes when the test says so. */
function held() {
  let release = () => {};
  const done = new Promise<void>((resolve) => (release = resolve));
  return { work: () => done, release };
}

describe('the cap on concurrent password hashing', () => {
  it("one client's flood cannot fill the queue for another client's sign-in", async () => {
    const gate = new HashGate(1, 64, 4);
    const hold = held();
    const running = gate.run(hold.work, 'uid:65534');
    const flood = Array.from({ length: 10 }, () => gate.run(() => 'flood', 'uid:65534').catch((e: Error) => e));
    const owner = gate.run(() => 'owner', 'uid:1000');
    hold.release();
    await running;
    const results = await Promise.all(flood);
    // Past its share, the flooding client is told to come back; the owner still got in.
    expect(results.filter((r) => r instanceof Error)).toHaveLength(6);
    expect(await owner).toBe('owner');
  });

  it('serves waiting clients in turn, not in arrival order', async () => {
    const gate = new HashGate(1, 64, 16);
    const hold = held();
    const order: string[] = [];
    const running = gate.run(hold.work, 'a');
    const queued = [
      ...['a1', 'a2', 'a3'].map((n) => gate.run(() => void order.push(n), 'a')),
      gate.run(() => void order.push('b1'), 'b'),
    ];
    hold.release();
    await Promise.all([running, ...queued]);
    expect(order).toEqual(['a1', 'b1', 'a2', 'a3']);
  });
});
