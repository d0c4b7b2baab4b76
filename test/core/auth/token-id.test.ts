import { afterEach, describe, expect, it } from 'vitest';
import { createToken } from '../../../main/core/auth/service-accounts.js';
import { openStore, type Store } from '../../../main/core/store.js';
import { loadConfig } from '../../../main/core/config/config.js';
import { manualClock } from '../../helpers/clock.js';
import { tempDataDir } from '../../helpers/data-dir.js';

let store: Store | undefined;
const cleanups: (() => void)[] = [];
afterEach(() => {
  store?.close();
  store = undefined;
  for (const c of cleanups.splice(0)) c();
});

describe('token ids', () => {
  it('never start with - or _, so `latchkey token revoke <id>` never reads one as an option', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    store = await openStore({
      dataDir: data.dir,
      config: loadConfig({ dataDir: data.dir, env: {} }),
      clock: manualClock(),
    });
    // Plain base64url starts 1 id in 32 with - or _: 500 ids all miss it by chance 1 time in 10^7.
    for (let i = 0; i < 500; i += 1) {
      const { view } = createToken(store, { username: 'admin', lifetimeMs: null }, 'test');
      expect(view.id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{15}$/);
    }
  });
});
