// A second `latchkey serve` with logins and tokens on (impersonation off), its users,
// apps and tokens, and signing in over HTTP as a browser would.
import { join } from 'node:path';
import { fail, request } from './proc.mjs';
import { addApp, cli, startLatchkey } from './servers.mjs';

export const ADMIN_PASSWORD = 'bench-admin-password-1';
const READER_PASSWORD = 'bench-reader-password-1';
const ROBOT_PASSWORD = 'bench-robot-password-1';

const lastLine = (text) => text.trim().split('\n').at(-1).trim();

/**
 * Starts the gateway on its own data dir with the admin's password, the tokenizer and
 * the apikey authenticator pinned by environment (which turns impersonation off), and
 * sets up: app `bench` (no policy) and app `admins` (`--allow-role Admin`) on the same
 * upstream; a ReadOnly user `reader` with a token; a service account `robot` with a token.
 */
export async function startAuthGateway(tmp, upstreamPort) {
  const dataDir = join(tmp, 'latchkey-auth');
  const env = {
    LATCHKEY_AUTH_INTERNAL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LATCHKEY_IDENTN_TOKENIZER_ENABLED: 'true',
    LATCHKEY_IDENTN_APIKEY_ENABLED: 'true',
  };
  const gw = await startLatchkey(dataDir, { env });
  await addApp(dataDir, upstreamPort, { slug: 'bench', env });
  await addApp(dataDir, upstreamPort, { slug: 'admins', env, extra: ['--allow-role', 'Admin'] });
  for (const [username, password] of [
    ['reader', READER_PASSWORD],
    ['robot', ROBOT_PASSWORD],
  ]) {
    await cli(
      ['admin', 'user', 'create', '--username', username, '--password', password, '--role', 'ReadOnly'],
      dataDir,
      env,
    );
  }
  const token = async (user) => {
    const t = lastLine(await cli(['token', 'create', '--user', user, '--expires', '24h'], dataDir, env));
    if (!/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43}$/.test(t)) fail(`latchkey token create printed no token: ${t}`);
    return t;
  };
  const host = (slug) => `${slug}.localhost:${gw.port}`;
  return { ...gw, host, robotToken: await token('robot'), readerToken: await token('reader') };
}

/** POST /.latchkey/login on the console host; resolves the response (status, headers, body). */
export function postLogin(gw, username, password) {
  const consoleHost = gw.host('latchkey');
  return request({
    port: gw.port,
    method: 'POST',
    path: '/.latchkey/login',
    host: consoleHost,
    headers: { 'content-type': 'application/json', origin: `http://${consoleHost}` },
    body: JSON.stringify({ username, password }),
  });
}

/**
 * Signs in on the console host, then carries the session to an app host through the
 * hand-over (console → /.latchkey/handoff → app host /.latchkey/callback), as
 * test/helpers/sign-in.ts appSession() does. Returns the app host's `name=value` cookie.
 */
export async function appSessionCookie(gw, username, password, slug) {
  const signIn = await postLogin(gw, username, password);
  if (signIn.status !== 200) fail(`sign-in as ${username} answered ${signIn.status}: ${signIn.body}`);
  const consoleCookie = String([signIn.headers['set-cookie']].flat()[0]).split(';')[0];
  const state = 's'.repeat(24);
  const target = encodeURIComponent(`http://${gw.host(slug)}/`);
  const handoff = await request({
    port: gw.port,
    path: `/.latchkey/handoff?target=${target}&state=${state}`,
    host: gw.host('latchkey'),
    headers: { cookie: consoleCookie },
  });
  if (handoff.status !== 303 || !handoff.headers.location)
    fail(`the hand-over answered ${handoff.status}: ${handoff.body}`);
  const callback = new URL(handoff.headers.location);
  const redeemed = await request({
    port: gw.port,
    path: callback.pathname + callback.search,
    host: gw.host(slug),
    headers: { cookie: `latchkey_${gw.port}_state=${state}` },
  });
  const cookie = [redeemed.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`latchkey_${gw.port}=`));
  if (!cookie) fail(`no session cookie from the hand-over to ${slug}: ${redeemed.status} ${redeemed.body}`);
  return cookie.split(';')[0];
}
