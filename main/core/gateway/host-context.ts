import type { Snapshot } from '../live-state.js';
import type { HostContext } from './auth-routes.js';
import type { RouterDeps } from './deps.js';
import { originOf, type HostTarget } from './hosts.js';

/**
 * Host names remembered per snapshot. Only served names get this far, but a client may
 * name any number of unknown app hosts: past this many, contexts are made and not kept.
 */
export const HOSTS_PER_SNAPSHOT = 64;

/** What a host's context takes from the router, besides the host and the settings. */
export type ContextDeps = Pick<RouterDeps, 'port' | 'baseNames' | 'pages' | 'api'>;

/** The console host that goes with a host: `latchkey.` on the same base name. */
function makeHostContext(target: HostTarget, port: number, deps: ContextDeps, snapshot: Snapshot): HostContext {
  const base = target.kind === 'root' ? target.name : target.name.slice(target.name.indexOf('.') + 1);
  const consoleName = /^[\d[]/.test(base) ? 'latchkey.localhost' : `latchkey.${base}`;
  return {
    port,
    origin: originOf(target, port),
    consoleOrigin: originOf({ kind: 'console', name: consoleName }, port),
    baseNames: deps.baseNames,
    tokenizerOn: snapshot.identn.tokenizer.enabled,
    impersonation: snapshot.identn.impersonation.enabled,
    pages: deps.pages,
    controlPlane: deps.api !== undefined,
  };
}

/**
 * A host's context depends only on its name, the port and the settings: it is made once
 * per host and snapshot (the snapshot is replaced on every change of the settings), not
 * once per request.
 */
export function hostContexts(deps: ContextDeps): (target: HostTarget, snapshot: Snapshot) => HostContext {
  const made = new WeakMap<Snapshot, Map<string, HostContext>>();
  return (target, snapshot) => {
    const port = deps.port();
    let byHost = made.get(snapshot);
    if (!byHost) made.set(snapshot, (byHost = new Map()));
    const key = `${target.name}:${port}`;
    const known = byHost.get(key);
    if (known) return known;
    const ctx = makeHostContext(target, port, deps, snapshot);
    if (byHost.size < HOSTS_PER_SNAPSHOT) byHost.set(key, ctx);
    return ctx;
  };
}
