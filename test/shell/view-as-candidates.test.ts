import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../main/common/errors.js';
import { createConsoleApi, type Caller } from '../../main/core/api/service.js';
import { createAuth } from '../../main/core/auth/index.js';
import { findRootUser } from '../../main/core/auth/root-admin.js';
import { loadConfig } from '../../main/core/config/config.js';
import { openStore } from '../../main/core/store.js';
import { createUser, setEnabled } from '../../main/core/users-service.js';
import { SHELL_CALLER } from '../../main/shell/console-api.js';
import { readTrayState } from '../../main/shell/tray.js';
import { tempDataDir } from '../helpers/data-dir.js';

type Store = Awaited<ReturnType<typeof openStore>>;

/**
 * Who may be viewed as is one rule, in the core: the console and the tray offer the
 * candidates the API answers, and those are exactly the users a start accepts.
 */
describe('the users one may view as', () => {
  const data = tempDataDir();
  let store: Store;
  let api: ReturnType<typeof createConsoleApi>;

  beforeAll(async () => {
    store = await openStore({
      dataDir: data.dir,
      config: loadConfig({ dataDir: data.dir, env: {} }),
      clock: { now: Date.now },
    });
    api = createConsoleApi({ store, passwords: createAuth(store).login, port: () => 7780 });
    const hash = async (password: string) => `plain:${password}`;
    for (const [username, role] of [
      ['ann', 'ReadOnly'],
      ['bob', 'ReadOnly'],
      ['carol', 'Admin'],
    ] as const) {
      await createUser(store, { username, password: `${username} password`, role }, 'test', hash);
    }
    setEnabled(store, 'bob', false, 'test');
  });
  afterAll(() => {
    store.close();
    data.remove();
  });

  const candidates = async (caller: Caller) =>
    (await api['viewAs.candidates']({}, caller)).map((candidate) => candidate.username);

  /** Whether a start as `username` is accepted, stopped again at once. */
  const accepted = async (username: string, caller: Caller) => {
    try {
      await api['viewAs.start']({ username }, caller);
    } catch (error) {
      if (isLatchkeyError(error) && error.code === 'VIEW_AS_INVALID') return false;
      throw error;
    }
    await api['viewAs.stop']({}, caller);
    return true;
  };

  it('the tray offers what the API answers: enabled users other than the Admin, in impersonation mode', async () => {
    const fromApi = await candidates(SHELL_CALLER);
    expect(fromApi.sort()).toEqual(['ann', 'carol']);
    expect((await readTrayState(api, undefined)).viewable).toEqual(fromApi);
  });

  it('every candidate is accepted by a start, and every other user refused', async () => {
    const offered = await candidates(SHELL_CALLER);
    for (const user of store.users.list()) {
      expect({ user: user.username, accepted: await accepted(user.username, SHELL_CALLER) }).toEqual({
        user: user.username,
        accepted: offered.includes(user.username),
      });
    }
  });

  it("a signed-in Admin's candidates leave out that Admin, not the root user, and match what a start accepts", async () => {
    const carol = store.users.findByUsername('carol');
    const root = findRootUser(store.settings, store.users);
    if (!carol || !root) throw new Error('carol and the root user were made above');
    const session = { id: 'carol-session', userId: carol.id, createdAt: 1, lastSeenAt: 1, expiresAt: 9e15 };
    store.sessions.create(session);
    const caller: Caller = { kind: 'user', user: carol, session, client: 'uid:1000' };
    const offered = await candidates(caller);
    expect(offered.sort()).toEqual(['admin', 'ann'].sort());
    expect(root.username).toBe('admin');
    for (const user of store.users.list()) {
      expect({ user: user.username, accepted: await accepted(user.username, caller) }).toEqual({
        user: user.username,
        accepted: offered.includes(user.username),
      });
    }
  });
});
