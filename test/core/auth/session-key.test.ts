import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSessionKey } from '../../../main/core/auth/session-key.js';
import { systemClock } from '../../../main/core/clock.js';
import { loadConfig } from '../../../main/core/config/config.js';
import { openStore, type Store } from '../../../main/core/store.js';
import { tempDataDir } from '../../helpers/data-dir.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function store(): Promise<Store> {
  const data = tempDataDir();
  cleanups.push(data.remove);
  const s = await openStore({
    dataDir: data.dir,
    config: loadConfig({ dataDir: data.dir, env: {} }),
    clock: systemClock,
  });
  cleanups.unshift(() => s.close());
  return s;
}

const keyFile = (s: Store) => join(s.dataDir, 'session.key');

describe('the session key at start', () => {
  it('is made silently the first time, owner-only, and found silently after', async () => {
    const s = await store();
    const first = openSessionKey(s.dataDir, s.settings);
    expect(first.notice).toBeUndefined();
    expect(statSync(keyFile(s)).mode & 0o777).toBe(0o600);
    const again = openSessionKey(s.dataDir, s.settings);
    expect(again.notice).toBeUndefined();
    expect(Buffer.from(again.key).equals(Buffer.from(first.key))).toBe(true);
  });

  it('a deleted session.key is reported in one line saying everyone signs in again, not silently regenerated', async () => {
    const s = await store();
    const first = openSessionKey(s.dataDir, s.settings);
    rmSync(keyFile(s));
    const after = openSessionKey(s.dataDir, s.settings);
    expect(after.notice).toMatch(
      /session\.key was missing; a new key was made: everyone signed in must sign in again$/,
    );
    expect(Buffer.from(after.key).equals(Buffer.from(first.key))).toBe(false);
    expect(openSessionKey(s.dataDir, s.settings).notice).toBeUndefined(); // reported once
  });

  it('a session.key replaced by another key is reported: the sessions it signed end', async () => {
    const s = await store();
    openSessionKey(s.dataDir, s.settings);
    writeFileSync(keyFile(s), `${randomBytes(32).toString('base64url')}\n`);
    expect(openSessionKey(s.dataDir, s.settings).notice).toMatch(
      /is not the key this store's sessions were signed with/,
    );
  });

  it.each([
    ['empty', ''],
    ['short', `${randomBytes(8).toString('base64url')}\n`],
    ['not base64url', 'this is not a key at all, but it is long enough to be one\n'],
  ])('an %s session.key is replaced and reported in one line, never a crash with a stack trace', async (_, text) => {
    const s = await store();
    openSessionKey(s.dataDir, s.settings);
    writeFileSync(keyFile(s), text);
    const after = openSessionKey(s.dataDir, s.settings);
    expect(after.notice).toMatch(/session\.key was damaged \(.+\); it was replaced by a new key: everyone signed in/);
    expect(after.notice).not.toContain('\n');
    expect(after.key.length).toBe(32);
    expect(readFileSync(keyFile(s), 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a folder in place of session.key is refused in one line naming it, not an unexpected error', async () => {
    const s = await store();
    openSessionKey(s.dataDir, s.settings);
    rmSync(keyFile(s));
    mkdirSync(keyFile(s));
    expect(() => openSessionKey(s.dataDir, s.settings)).toThrow(
      expect.objectContaining({
        code: 'DATA_DIR_UNUSABLE',
        message: expect.stringMatching(/session\.key cannot be read as the session key \(EISDIR\); move it away/),
      }),
    );
  });
});
