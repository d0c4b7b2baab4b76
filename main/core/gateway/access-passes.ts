import type { PassDeps } from './deps.js';
import { judge } from './app-access.js';
import { startHandoff } from './auth-routes.js';
import { ANSWERED, type Pass } from './exchange.js';
import { identify } from './identify.js';

/** Who is asking, by the identN chain (SPEC §1); tokens count on app hosts. */
export const identityPass: Pass<PassDeps> = {
  name: 'identity',
  async run(ex, deps) {
    ex.who = await identify(ex.req, ex.snapshot, deps.auth, ex.ctx, true);
    return undefined;
  },
};

/**
 * The app's policy (SPEC §6). A browser without a session is sent to sign in over HTTP; an
 * upgrade cannot follow a redirect and is refused like any other client without one.
 */
export const policyPass: Pass<PassDeps> = {
  name: 'policy',
  run(ex) {
    const decision = judge(ex.req, ex.routed, ex.forwarded.path, ex.who, ex.ctx);
    if (decision.kind === 'allow') {
      ex.access = decision;
      return undefined;
    }
    if (decision.kind === 'refuse') return decision;
    if (ex.protocol.kind === 'http') {
      startHandoff(ex.req, ex.protocol.res, ex.ctx);
      return ANSWERED;
    }
    return { code: 'NOT_SIGNED_IN', message: 'this gateway needs a sign-in and the request carries none' };
  },
};
