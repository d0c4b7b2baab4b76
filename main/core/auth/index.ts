import { silentLogger, type Logger } from '../log.js';
import type { Role } from '../../common/apps.js';
import type { Store } from '../store.js';
import { AssertionSigner } from './assertion.js';
import { Bookkeeping } from './bookkeeping.js';
import { ConsoleSessions } from './console-sessions.js';
import { HandoffCodes } from './handoff.js';
import { HashGate } from './hash-gate.js';
import { Login } from './login.js';
import { Regulation, type Sleep } from './regulation.js';
import { openSessionKey } from './session-key.js';
import { Sessions } from './sessions.js';

/** What the sign-in routes, the identity check and the console API share. */
export interface AuthDeps {
  store: Store;
  sessions: Sessions;
  login: Login;
  codes: HandoffCodes;
  /** The role of people who sign themselves up; undefined while sign-up is off. */
  signupRole: Role | undefined;
  signer: AssertionSigner;
  consoleSessions: ConsoleSessions;
  /** Last-seen and last-used times, written off the request path. */
  bookkeeping: Bookkeeping;
}

/**
 * Sessions, sign-in and its regulation, wired to one store and its settings. `sleep` is
 * how regulation waits while it slows sign-in down; tests pass one that does not.
 */
export function createAuth(store: Store, log: Logger = silentLogger, sleep?: Sleep): AuthDeps {
  const { config, clock } = store;
  const sessionKey = openSessionKey(store.dataDir, store.settings);
  if (sessionKey.notice) log.warn(sessionKey.notice);
  const bookkeeping = new Bookkeeping(store, log);
  const sessions = new Sessions(
    store.sessions,
    store.users,
    sessionKey.key,
    clock,
    { idleMs: config.get('session.idle-timeout'), absoluteMs: config.get('session.absolute-timeout') },
    bookkeeping,
  );
  const regulation = new Regulation(
    store.regulation,
    store.audit,
    clock,
    {
      maxRetries: config.get('regulation.max-retries'),
      findTimeMs: config.get('regulation.find-time'),
      banTimeMs: config.get('regulation.ban-time'),
      globalMaxRetries: config.get('regulation.global-max-retries'),
    },
    sleep,
  );
  const login = new Login(store.db, store.users, sessions, regulation, store.audit, new HashGate());
  const signupRole = config.get('auth.internal.signup-enabled') ? config.get('auth.signup-default-role') : undefined;
  const signer = new AssertionSigner(store, clock);
  const consoleSessions = new ConsoleSessions(clock);
  return {
    store,
    sessions,
    login,
    codes: new HandoffCodes(clock),
    signupRole,
    signer,
    consoleSessions,
    bookkeeping,
  };
}
