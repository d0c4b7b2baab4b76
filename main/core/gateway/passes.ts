import { identityPass, policyPass } from './access-passes.js';
import { browserRulesPass, framingPass, hostPass, peerPass, statePass } from './admission.js';
import type { PassDeps } from './deps.js';
import type { ANSWERED, Exchange, Pass, Verdict } from './exchange.js';
import type { Refusal } from './fetch-metadata.js';
import { proxyPass } from './proxy-pass.js';
import { routePass } from './route-pass.js';

/**
 * The request path, in order. Every HTTP request and every WebSocket upgrade runs this one
 * list, so a pass cannot be added for one protocol and missed by the other; where the two
 * differ, the pass itself says how. (Before these, each accepted connection goes through
 * `admitConnection`: the peer rules that need no request.)
 */
export const REQUEST_PASSES: readonly Pass<PassDeps>[] = [
  framingPass, // WebSocket-only upgrades, origin-form target, exactly one Host
  hostPass, // a host this gateway serves, on its port (DNS rebinding)
  statePass, // the settings snapshot, or 503 (fail closed); the app the host names
  peerPass, // impersonation mode: loopback, localhost names, the owner only
  browserRulesPass, // SPEC §7: Origin and fetch metadata, speculative loads
  routePass, // the gateway's own endpoints, unknown apps, reserved paths
  identityPass, // who is asking (impersonation, session, token)
  policyPass, // whether the app lets them in (or a browser is sent to sign in)
  proxyPass, // the upstream (started if need be), then the request or the socket relayed
];

/**
 * The passes that decide whether a request may be routed at all: every pass before
 * `route`. A stream still open goes through them again (with the access decision) to
 * stay open.
 */
export const ADMISSION_PASSES = REQUEST_PASSES.slice(0, REQUEST_PASSES.indexOf(routePass));

/** The end of a run: a refusal to answer, the request answered by a pass, or every pass passed. */
export type Outcome = Refusal | typeof ANSWERED | undefined;

function isRetry(verdict: Exclude<Verdict, undefined>): verdict is { retryWhen: Promise<unknown> } {
  return typeof verdict === 'object' && 'retryWhen' in verdict;
}

/**
 * Runs `passes` in order on `ex` until one decides. Synchronous passes run in one go; an
 * asynchronous one resumes the run when it settles. A pass that throws (or rejects) ends
 * the run through `fail`.
 */
export function runPasses<D>(
  passes: readonly Pass<D>[],
  ex: Exchange,
  deps: D,
  done: (outcome: Outcome) => void,
  fail: (error: unknown) => void,
): void {
  const after = (verdict: Verdict, index: number): void => {
    if (verdict === undefined) return from(index + 1);
    if (!isRetry(verdict)) return done(verdict);
    verdict.retryWhen.then(() => from(0), fail);
  };
  const from = (start: number): void => {
    let index = start;
    let verdict: Verdict | Promise<Verdict> = undefined;
    try {
      for (; index < passes.length && verdict === undefined; index += 1) {
        verdict = (passes[index] as Pass<D>).run(ex, deps);
      }
    } catch (error) {
      return fail(error);
    }
    if (verdict === undefined) return done(undefined);
    // The loop stepped past the pass that decided.
    const decidedBy = index - 1;
    if (verdict instanceof Promise) verdict.then((settled) => after(settled, decidedBy), fail);
    else after(verdict, decidedBy);
  };
  from(0);
}
