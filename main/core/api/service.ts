import { readFileSync } from 'node:fs';
import type {
  ApiMethod,
  ApiParsedInput,
  ApiResults,
  ConfigDto,
  ConsoleCaller,
  RunStatusDto,
} from '../../common/api.js';
import type { App, AppInput } from '../../common/apps.js';
import { SYSTEM_ACTORS } from '../../common/audit.js';
import { LatchkeyError } from '../../common/errors.js';
import { VERSION } from '../../common/version.js';
import { liftBan } from '../auth/regulation.js';
import type { AssertedIdentity } from '../auth/assertion.js';
import { findRootUser } from '../auth/root-admin.js';
import { generatePassword } from '../auth/passwords.js';
import { visibleApps } from '../auth/app-policy.js';
import { canTellPeerUser } from '../auth/peer-binding.js';
import { createToken, listTokens, revokeToken } from '../auth/service-accounts.js';
import {
  globalViewAs,
  globalViewAsRefusal,
  sessionViewAs,
  startGlobalViewAs,
  startSessionViewAs,
  stopGlobalViewAs,
  stopSessionViewAs,
  viewAsCandidates,
} from '../auth/view-as.js';
import type { SessionRow } from '../db/sessions-repo.js';
import type { User } from '../db/users-repo.js';
import { writeTransaction } from '../db/write.js';
import { setIdentn } from '../identn-service.js';
import { currentIdentn } from '../config/identn.js';
import type { Store } from '../store.js';
import {
  changeOwnPassword,
  createUser,
  deleteUser,
  listUsers,
  resetPassword,
  setEnabled,
  setRole,
  viewOf,
  type PasswordProof,
} from '../users-service.js';
import type { Launcher } from '../launcher/launcher.js';
import { logFileOf, tailFile } from '../launcher/log-file.js';
import { listenKind } from '../launcher/presets.js';
import { probeAll } from './health.js';

import { runtimeLicences } from './licences.js';

const stoppedStatus = (): RunStatusDto => ({ state: 'stopped', reason: null, pid: null, retryAt: null, lastLines: [] });

/**
 * Who calls the console API: the holder of a console link, a signed-in user (with the
 * client of their connection, `uid:<n>`, see Regulation, for what is regulated), or the
 * command line. The desktop window calls as the console link does, marked `via:
 * 'desktop'`. The CLI is the OS user at the terminal, who may write the data directory
 * and so is trusted as the root admin; the audit log names it `(cli)`. Only the desktop
 * window and the CLI (and the config file, which does not come through here) may define
 * a command.
 */
export type Caller =
  | { kind: 'console-link'; via?: 'desktop' }
  | { kind: 'user'; user: User; session: SessionRow; client: string }
  | { kind: 'cli' };

/**
 * Defining or changing the command an app runs is code execution: the HTTP console
 * (a console link, a signed-in session, either of which may be stolen) may not. Nor may
 * it point an app at a Unix socket: a socket is reachable only by its owner, and one
 * such as the Docker daemon's speaks HTTP and runs anything it is asked to.
 */
function assertMayDefineRun(caller: Caller, input: AppInput, existing: App | undefined): void {
  if (mayRunCode(caller)) return;
  if (input.run !== undefined || (existing?.run && input.upstream !== undefined)) {
    throw new LatchkeyError(
      'APP_RUN_FORBIDDEN',
      'the command an app runs is defined only with the latchkey CLI, the config file or the desktop window',
    );
  }
  if (input.upstream?.trim().toLowerCase().startsWith('unix:')) {
    throw new LatchkeyError(
      'APP_RUN_FORBIDDEN',
      'a Unix-socket upstream is set only with the latchkey CLI, the config file or the desktop window',
    );
  }
}

/** The callers that may define the command an app runs, and see its environment: not HTTP's. */
const mayRunCode = (caller: Caller) =>
  caller.kind === 'cli' || (caller.kind === 'console-link' && caller.via === 'desktop');

/**
 * A run app's extra environment as the HTTP console sees it: the names, not the values,
 * which may be a tool's passwords (a console session may be stolen; see assertMayDefineRun).
 */
function redacted(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(env).map((name) => [name, '(hidden)']));
}

/** An update from the HTTP console keeps the app's stored run definition as it is. */
function keepRun(input: AppInput, existing: App | undefined): AppInput {
  if (input.run !== undefined || !existing?.run) return input;
  const { listen, cwd, command, idleStopMs, ...rest } = existing.run;
  return {
    ...input,
    run: {
      ...rest,
      ...(listen ? { listen } : {}),
      ...(cwd ? { cwd } : {}),
      ...(command ? { command } : {}),
      ...(idleStopMs ? { idleStopMs } : {}),
    },
  };
}

export interface ConsoleApiDeps {
  store: Store;
  /**
   * Proves a current password (regulated) and hashes a new one (capped), for
   * account.changePassword: a gateway's. The CLI, whose caller has no account, has none.
   */
  passwords?: PasswordProof;
  port(): number;
  /**
   * What runs the apps, where one does: the gateway's launcher in its own process; for
   * the CLI, the running gateway's, reached through the database.
   */
  launcher?: () => AppRunner | undefined;
}

export type ConsoleApi = Handlers;

/** What the console API asks of whatever runs the apps. */
export type AppRunner = Pick<Launcher, 'act' | 'status' | 'listening'>;

type Handlers = {
  [M in ApiMethod]: (input: ApiParsedInput<M>, caller: Caller) => Promise<ApiResults[M]> | ApiResults[M];
};

/**
 * The audit log's actor for a caller: the user, else the command line, the desktop app
 * (window and tray) or the console link, each as a marker no username can take.
 */
function actorOf(caller: Caller): string {
  if (caller.kind === 'user') return caller.user.username;
  if (caller.kind === 'cli') return SYSTEM_ACTORS.cli;
  return caller.via === 'desktop' ? SYSTEM_ACTORS.desktop : SYSTEM_ACTORS.consoleLink;
}

function describeCaller(caller: Caller): ConsoleCaller {
  return caller.kind === 'user'
    ? { kind: 'user', username: caller.user.username, role: caller.user.role }
    : { kind: caller.kind, username: null, role: 'Admin' };
}

/** The generated admin password, while its file is there: a missing or unreadable file shows nothing. */
function initialPassword(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The console API (DESIGN: one service, three transports: HTTP, IPC and the CLI). Every method takes its parsed
 * input and the caller; transports check who may call, this checks what they may do.
 */
export function createConsoleApi({ store, passwords, port, launcher }: ConsoleApiDeps): Handlers {
  const running = () => {
    const l = launcher?.();
    if (!l) {
      throw new LatchkeyError(
        'LAUNCHER_NOT_RUNNING',
        `no Latchkey runs the apps of ${store.dataDir}; start it (latchkey serve or the desktop app) first`,
      );
    }
    return l;
  };
  const act = async (slug: string, action: 'start' | 'stop' | 'restart', caller: Caller) => {
    // Asked of nothing, it was not done: no audit row.
    const runner = running();
    const kind = action === 'start' ? 'app.started' : action === 'stop' ? 'app.stopped' : 'app.restarted';
    store.audit.record(kind, actorOf(caller), slug);
    return runner.act(slug, action);
  };
  // Read when the About screen first asks, not at start-up (a file per dependency).
  let licences: ReturnType<typeof runtimeLicences> | undefined;
  const viewing = (caller: Caller) => {
    const now = store.clock.now();
    if (caller.kind === 'user') {
      const user = sessionViewAs(store, store.sessions.find(caller.session.id) ?? caller.session, now);
      const until = store.sessions.find(caller.session.id)?.viewAsUntil ?? 0;
      return user ? { username: user.username, until } : null;
    }
    // Impersonation mode's view-as is in force only in that mode: with logins on, a view
    // left from before asserts nobody, and the console must not say it does.
    if (!currentIdentn(store).impersonation.enabled) return null;
    const global = globalViewAs(store, now);
    return global ? { username: global.user.username, until: global.until } : null;
  };

  /**
   * Who the caller is to the apps, view-as applied as the gateway applies it (SPEC §4: the
   * Admin has exactly the viewed user's rights); undefined for a console link or the CLI
   * viewing as nobody, which manage every app.
   */
  const appIdentityOf = (caller: Caller): AssertedIdentity | undefined => {
    const now = store.clock.now();
    const as = (user: User, viewer: User | undefined): AssertedIdentity => ({
      username: user.username,
      email: user.email,
      role: user.role,
      viewer: viewer?.username,
    });
    if (caller.kind === 'user') {
      const viewed = sessionViewAs(store, store.sessions.find(caller.session.id) ?? caller.session, now);
      return viewed ? as(viewed, caller.user) : as(caller.user, undefined);
    }
    if (!currentIdentn(store).impersonation.enabled) return undefined;
    const global = globalViewAs(store, now);
    const root = findRootUser(store.settings, store.users);
    return global && root ? as(global.user, root) : undefined;
  };

  /** The same rules viewAs.start obeys, for the console to offer it only when it will work. */
  const viewAsRefusal = (caller: Caller): string | null => {
    if (caller.kind !== 'user') return globalViewAsRefusal(store) ?? null;
    return caller.user.role === 'Admin' ? null : 'only an Admin may view as another user';
  };

  return {
    'config.get': (_input, caller) => {
      const root = findRootUser(store.settings, store.users);
      const config: ConfigDto = {
        identn: currentIdentn(store),
        adminPasswordChosen: root?.passwordChosen ?? false,
        rootUsername: root?.username ?? 'admin',
        port: port(),
        peerCheck: canTellPeerUser,
        caller: describeCaller(caller),
        viewingAs: viewing(caller),
        viewAsRefused: viewAsRefusal(caller),
      };
      // config.get is open to every signed-in user: the password only to whom may reset it anyway.
      const mayReset = caller.kind !== 'user' || caller.user.role === 'Admin';
      const generated =
        mayReset && root && !root.passwordChosen ? initialPassword(store.files.initialAdminPassword) : undefined;
      return generated === undefined ? config : { ...config, initialAdminPassword: generated };
    },
    'identn.set': async (input, caller) => {
      const { adminPassword, ...change } = input;
      const root = findRootUser(store.settings, store.users);
      if (adminPassword !== undefined && root) {
        await resetPassword(store, { username: root.username, password: adminPassword }, actorOf(caller));
      }
      return setIdentn(store, change, actorOf(caller));
    },
    'apps.list': (_input, caller) =>
      store.apps.list().map((a) => ({
        ...a,
        run: a.run && !mayRunCode(caller) ? { ...a.run, env: redacted(a.run.env) } : a.run,
        url: `http://${a.slug}.localhost:${port()}/`,
        runStatus: a.run ? (launcher?.()?.status(a.slug) ?? stoppedStatus()) : null,
        listens: a.run ? listenKind(a.run) : null,
      })),
    'apps.health': () => probeAll(store.apps.list(), launcher?.()),
    'apps.mine': (_input, caller) => {
      const apps = store.apps.list();
      // The console link and the CLI manage every app unless viewing as someone; a signed-in
      // user gets what the gateway would let them (or whom they view as) open.
      const as = appIdentityOf(caller);
      const mine = as ? visibleApps(apps, as) : apps;
      return mine.map((a) => ({ slug: a.slug, name: a.name, url: `http://${a.slug}.localhost:${port()}/` }));
    },
    'apps.start': ({ slug }, caller) => act(slug, 'start', caller),
    'apps.stop': ({ slug }, caller) => act(slug, 'stop', caller),
    'apps.restart': ({ slug }, caller) => act(slug, 'restart', caller),
    'apps.logs': ({ slug, lines }) => {
      const app = store.apps.list().find((a) => a.slug === slug);
      if (!app) throw new LatchkeyError('APP_NOT_FOUND', `no app with slug "${slug}"`);
      return { lines: tailFile(logFileOf(store.dataDir, slug), lines) };
    },
    'apps.add': (input, caller) => {
      assertMayDefineRun(caller, input, undefined);
      return store.apps.add(input, actorOf(caller));
    },
    'apps.update': (input, caller) => {
      const existing = store.apps.list().find((a) => a.slug === input.slug);
      assertMayDefineRun(caller, input, existing);
      return store.apps.update(keepRun(input, existing), actorOf(caller));
    },
    'apps.remove': ({ slug }, caller) => {
      store.apps.remove(slug, actorOf(caller));
      return { removed: slug };
    },
    'users.list': () => listUsers(store),
    'users.create': (input, caller) => createUser(store, input, actorOf(caller)),
    'users.update': ({ username, role, enabled }, caller) => {
      if (role !== undefined) setRole(store, username, role, actorOf(caller));
      if (enabled !== undefined) setEnabled(store, username, enabled, actorOf(caller));
      const user = store.users.findByUsername(username);
      if (!user) throw new LatchkeyError('USER_NOT_FOUND', `no user "${username}"`);
      return viewOf(user);
    },
    'users.resetPassword': async ({ username, password, enable }, caller) => {
      const chosen = password ?? generatePassword();
      const user = await resetPassword(store, { username, password: chosen, enable }, actorOf(caller));
      return { user, generatedPassword: password === undefined ? chosen : null };
    },
    'users.delete': ({ username }, caller) => {
      if (caller.kind === 'user' && caller.user.username === username) {
        throw new LatchkeyError('SELF_DELETE', 'you cannot delete the user you are signed in as');
      }
      deleteUser(store, username, actorOf(caller));
      return { deleted: username };
    },
    'viewAs.get': (_input, caller) => viewing(caller),
    'viewAs.candidates': (_input, caller) => {
      // Who views: the signed-in Admin with logins; the root user for impersonation mode's view.
      const viewer = caller.kind === 'user' ? caller.user : findRootUser(store.settings, store.users);
      return viewer ? viewAsCandidates(store, viewer).map(({ username, role }) => ({ username, role })) : [];
    },
    'viewAs.start': ({ username }, caller) => {
      if (caller.kind !== 'user') {
        const { user, until } = startGlobalViewAs(store, username, actorOf(caller));
        return { username: user.username, until };
      }
      const user = startSessionViewAs(store, caller.session, caller.user, username);
      return { username: user.username, until: store.sessions.find(caller.session.id)?.viewAsUntil ?? 0 };
    },
    'viewAs.stop': (_input, caller) => {
      if (caller.kind !== 'user') return { stopped: stopGlobalViewAs(store, actorOf(caller)) ?? null };
      const was = viewing(caller);
      stopSessionViewAs(store, caller.session, caller.user);
      return { stopped: was?.username ?? null };
    },
    'tokens.list': () => listTokens(store),
    'tokens.create': ({ username, expires, description }, caller) =>
      createToken(store, { username, lifetimeMs: expires, description }, actorOf(caller)),
    'tokens.revoke': ({ id }, caller) => {
      revokeToken(store, id, actorOf(caller));
      return { revoked: id };
    },
    'bans.list': () =>
      store.regulation
        .activeBans(store.clock.now())
        .map(({ username, client, until }) => ({ username, client, until })),
    'bans.lift': ({ username }, caller) => ({
      lifted: writeTransaction(store.db, () => liftBan(store, username, actorOf(caller))),
    }),
    'account.changePassword': async (input, caller) => {
      if (caller.kind !== 'user' || !passwords) {
        const who = caller.kind === 'cli' ? 'the command line' : 'the console link';
        throw new LatchkeyError('SESSION_REQUIRED', `${who} has no account; sign in to change your password`);
      }
      await changeOwnPassword(store, passwords, caller.user, input, caller.client, caller.session.id);
      return { changed: true };
    },
    'audit.list': ({ limit, offset, kind, user }) => {
      const entries = store.audit.query({ kind, user, limit: limit + 1, offset });
      return { entries: entries.slice(0, limit), hasMore: entries.length > limit };
    },
    'about.get': () => ({
      version: VERSION,
      dataDir: store.dataDir,
      gatewayUrl: `http://localhost:${port()}`,
      consoleUrl: `http://latchkey.localhost:${port()}/`,
      licences: (licences ??= runtimeLicences()),
    }),
  };
}
