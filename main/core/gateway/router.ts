import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { admitConnection } from './admission.js';
import type { PassDeps, RouterDeps } from './deps.js';
import { ANSWERED, Exchange, failed, refuse, type Protocol } from './exchange.js';
import { hostContexts } from './host-context.js';
import { ADMISSION_PASSES, REQUEST_PASSES, runPasses } from './passes.js';

export type { RouterDeps } from './deps.js';
export { globalConfig } from './console-endpoints.js';

/**
 * The server's three entry points: each accepted connection, each request, each upgrade.
 * Requests and upgrades run the same passes (passes.ts); only how they are answered differs.
 */
export function createRouter(routerDeps: RouterDeps) {
  const deps: PassDeps = {
    ...routerDeps,
    hostContext: hostContexts(routerDeps),
    readmit: (opened) =>
      new Promise((resolve) => {
        const again = new Exchange(opened.req, opened.protocol);
        runPasses(
          ADMISSION_PASSES,
          again,
          deps,
          (outcome) => resolve(outcome === undefined ? again : undefined),
          () => resolve(undefined),
        );
      }),
  };

  function run(req: IncomingMessage, protocol: Protocol): void {
    const ex = new Exchange(req, protocol);
    runPasses(
      REQUEST_PASSES,
      ex,
      deps,
      (outcome) => {
        // The proxy pass answers whatever got that far: a run that ends unanswered is a bug,
        // answered as one rather than left hanging.
        if (outcome === undefined) failed(ex, new Error('no pass answered the request'), deps.log);
        else if (outcome !== ANSWERED) refuse(ex, outcome);
      },
      (error) => failed(ex, error, deps.log),
    );
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    run(req, { kind: 'http', res });
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    socket.pause();
    run(req, { kind: 'upgrade', socket, head });
  }

  return { onConnection: (socket: Socket) => admitConnection(socket, deps), onRequest, onUpgrade };
}
