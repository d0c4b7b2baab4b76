import type { IdentnState } from '../common/identn.js';
import { LatchkeyError } from '../common/errors.js';
import { findRootUser } from './auth/root-admin.js';
import {
  applyIdentnChange,
  assertNoExtraHostsForImpersonation,
  assertNotPinned,
  identnKey,
  type IdentnChange,
  currentIdentn,
} from './config/identn.js';
import type { Store } from './store.js';
import { writeTransaction } from './db/write.js';

export const RESET_PASSWORD_HINT = 'latchkey admin user reset-password --username <admin> --password <new password>';

/**
 * Logins need an admin password a person chose: the generated one may have been seen
 * only by whoever read the data directory, and a login page nobody can pass is a lockout.
 */
export function assertAdminPasswordChosen(store: Store, reason: string): void {
  const root = findRootUser(store.settings, store.users);
  if (root && !root.passwordChosen) {
    throw new LatchkeyError(
      'ADMIN_PASSWORD_NOT_CHOSEN',
      `${reason}, but the password of Admin "${root.username}" was never chosen; first run ` +
        RESET_PASSWORD_HINT.replace('<admin>', root.username),
    );
  }
}

/** Refuses to start in a state SPEC §1 and §2 forbid. */
export function checkStartState(store: Store): IdentnState {
  const identn = currentIdentn(store);
  const off = identn.impersonation;
  if (!off.enabled && off.pinnedBy !== undefined) {
    assertAdminPasswordChosen(store, `${off.pinnedBy} turns impersonation off`);
  }
  if (off.enabled) assertNoExtraHostsForImpersonation(store.config, 'impersonation mode cannot start');
  return identn;
}

/** The change the console and `latchkey identn set` make, stored in one transaction. */
export function setIdentn(store: Store, change: IdentnChange, actor: string): IdentnState {
  // Decided on what is stored now, under the write lock: not on a read another process may outdate.
  writeTransaction(store.db, () => {
    const next = applyIdentnChange(currentIdentn(store), change);
    assertNotPinned(store.config, next);
    if (next.impersonation) assertNoExtraHostsForImpersonation(store.config, 'impersonation cannot be turned on');
    if (!next.impersonation) assertAdminPasswordChosen(store, 'turning impersonation off turns logins on');
    store.settings.setMany({
      [identnKey('impersonation')]: next.impersonation,
      [identnKey('tokenizer')]: next.tokenizer,
      [identnKey('apikey')]: next.apikey,
    });
    store.audit.record('identn.changed', actor, null, next);
  });
  return currentIdentn(store);
}
