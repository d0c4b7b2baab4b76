import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../main/core/api/service.js';
import type { SessionRow } from '../../../main/core/db/sessions-repo.js';
import { createUser, resetPassword } from '../../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startGateway();
});
afterEach(async () => {
  await gw?.close();
});

const consoleLink: Caller = { kind: 'console-link' };
const config = (caller: Caller) => gw.core.api['config.get']({}, caller);

async function userCaller(username: string, role: 'Admin' | 'ReadOnly'): Promise<Caller> {
  await createUser(gw.core.store, { username, password: `${username} password`, role }, 'cli');
  const user = gw.core.store.users.findByUsername(username);
  if (!user) throw new Error('no user');
  const session = { id: 'no-such-session', viewAsUntil: null, viewAsUserId: null } as unknown as SessionRow;
  return { kind: 'user', user, session, client: 'uid:0' };
}

describe('the first password (SPEC §2)', () => {
  it('the console is shown the generated admin password while no person has chosen one', async () => {
    const file = readFileSync(gw.core.store.files.initialAdminPassword, 'utf8').trim();
    expect((await config(consoleLink)).initialAdminPassword).toBe(file);
    expect((await config(await userCaller('ada', 'Admin'))).initialAdminPassword).toBe(file);
  });

  it('a ReadOnly user, who may call config.get, is never shown it', async () => {
    expect((await config(await userCaller('rita', 'ReadOnly'))).initialAdminPassword).toBeUndefined();
  });

  it('once a password is chosen it is never shown again', async () => {
    await resetPassword(gw.core.store, { username: 'admin', password: 'a chosen one' }, 'cli');
    expect((await config(consoleLink)).initialAdminPassword).toBeUndefined();
    expect(JSON.stringify(await config(consoleLink))).not.toContain('initialAdminPassword');
  });
});
