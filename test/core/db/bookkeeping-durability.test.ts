import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bookkeeping } from '../../../main/core/auth/bookkeeping.js';
import { loadConfig } from '../../../main/core/config/config.js';
import type { Logger } from '../../../main/core/log.js';
import { openStore, type Store } from '../../../main/core/store.js';
import { tempDataDir } from '../../helpers/data-dir.js';

const cleanups: (() => unknown)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const FULL = 2;
const NORMAL = 1;

async function store(): Promise<Store> {
  const data = tempDataDir();
  cleanups.push(data.remove);
  const dataDir = join(data.dir, 'data');
  const s = await openStore({ dataDir, config: loadConfig({ dataDir, env: {} }), clock: { now: () => 1_000 } });
  cleanups.unshift(() => s.close());
  return s;
}

/** The synchronous setting each session touch runs under, recorded from inside the batch. */
function recordSyncOfTouches(s: Store): number[] {
  const seen: number[] = [];
  const touch = s.sessions.touch.bind(s.sessions);
  s.sessions.touch = (id, at) => {
    seen.push(s.db.pragma('synchronous', { simple: true }) as number);
    touch(id, at);
  };
  return seen;
}

describe('how durably each write is committed', () => {
  it('a bookkeeping batch commits without waiting for the disk, and the identity write after it waits again', async () => {
    const s = await store();
    const root = s.users.oldestEnabledAdmin();
    if (!root) throw new Error('no Admin');
    s.sessions.create({ id: 'sid', userId: root.id, createdAt: 1, lastSeenAt: 1, expiresAt: 9e15 });
    const during = recordSyncOfTouches(s);
    const book = new Bookkeeping(s, quiet);
    book.sessionSeen('sid', 500);
    expect(book.flush()).toBe(true);
    expect(during).toEqual([NORMAL]);
    expect(s.sessions.find('sid')?.lastSeenAt).toBe(500);
    // What comes next on the connection (a password change, a revocation…) is FULL again.
    expect(s.db.pragma('synchronous', { simple: true })).toBe(FULL);
  });

  it('a bookkeeping batch that fails leaves the connection FULL for the identity writes after it', async () => {
    const s = await store();
    const book = new Bookkeeping(s, quiet);
    s.sessions.touch = () => {
      throw new Error('disk full');
    };
    book.sessionSeen('sid', 500);
    expect(book.flush()).toBe(false);
    expect(s.db.pragma('synchronous', { simple: true })).toBe(FULL);
  });
});
