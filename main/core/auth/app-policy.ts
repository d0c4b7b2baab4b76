import type { App } from '../../common/apps.js';
import type { AssertedIdentity } from './assertion.js';

/** An app's policy (SPEC §6): its roles and usernames; every signed-in user when it lists none. */
export function allows(app: App, identity: AssertedIdentity): boolean {
  if (app.allowRoles.length === 0 && app.allowUsers.length === 0) return true;
  return app.allowRoles.includes(identity.role) || app.allowUsers.includes(identity.username);
}

/**
 * The apps a requester may be shown: those its policy lets it open. An Admin acting as
 * itself (the root admin in impersonation mode) manages every app and sees them all; an
 * Admin viewing as someone sees what that user sees. The gateway's pages and the
 * console's launcher both ask this, so they never disagree.
 */
export function visibleApps(apps: readonly App[], identity: AssertedIdentity): App[] {
  if (identity.role === 'Admin' && !identity.viewer) return [...apps];
  return apps.filter((app) => allows(app, identity));
}
