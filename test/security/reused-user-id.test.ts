/**
 * SQLite gives a deleted user's id to the next user created (the users table has no
 * AUTOINCREMENT). Whatever names a user by id outside a foreign key must end with that
 * user, or the next person created inherits it: impersonation mode's view-as would go on
 * asserting someone nobody chose to view as.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGlobalViewAs, stopGlobalViewAs } from '../../main/core/auth/view-as.js';
import { createUser, deleteUser } from '../../main/core/users-service.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type SeenRequest, type Upstream } from '../helpers/upstream.js';

let up: Upstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startUpstream();
  gw = await startGateway({ apps: [{ slug: 'echo', upstream: up.url }] });
});
afterAll(async () => {
  await gw?.close();
  await up?.close();
});

async function assertedUser(): Promise<unknown> {
  const res = await gw.request({ host: gw.host('echo'), path: '/echo' });
  expect(res.status).toBe(200);
  return res.json<SeenRequest>().headers['x-forwarded-user'];
}

describe('a deleted user id given to the next user', () => {
  it('a user created after the viewed-as user was deleted is not viewed as in their place (user id reuse)', async () => {
    const store = gw.core.store;
    await createUser(store, { username: 'bob', password: 'bob password 1' }, 'test');
    const bobId = store.users.findByUsername('bob')?.id;
    startGlobalViewAs(store, 'bob', 'test');
    expect(await assertedUser()).toBe('bob');
    deleteUser(store, 'bob', 'test');
    expect(await assertedUser()).toBe('admin');
    await createUser(store, { username: 'carol', password: 'carol password 1' }, 'test');
    // The premise: SQLite gave carol the id bob had.
    expect(store.users.findByUsername('carol')?.id).toBe(bobId);
    expect(await assertedUser()).toBe('admin');
  });

  it('a user created after the root Admin was deleted does not become whom impersonation mode asserts (user id reuse)', async () => {
    const store = gw.core.store;
    stopGlobalViewAs(store, 'test');
    // A root Admin with the highest id, as `auth.internal.admin.name` naming a later user makes.
    await createUser(store, { username: 'root2', password: 'root2 password', role: 'Admin' }, 'test');
    const rootId = store.users.findByUsername('root2')?.id as number;
    store.settings.setMany({ 'root.user-id': rootId });
    expect(await assertedUser()).toBe('root2');
    deleteUser(store, 'root2', 'test');
    await createUser(store, { username: 'dave', password: 'dave password 1' }, 'test');
    expect(store.users.findByUsername('dave')?.id).toBe(rootId);
    expect(await assertedUser()).toBe('admin');
  });
});
