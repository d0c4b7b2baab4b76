import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { LatchkeyError } from '../../common/errors.js';

export interface ServerTimeouts {
  /** Time to receive all request headers (slowloris): 408 after it. */
  headersMs: number;
  /** Time to receive a whole request, body included: 408 after it. */
  requestMs: number;
}

export interface ListenOptions {
  /** Addresses to bind; by default both loopback addresses. */
  hosts: readonly string[];
  port: number;
  timeouts: ServerTimeouts;
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Sees every connection as it is accepted, paused: nothing is read from it until this
   * resumes it (socket.resume()), and destroying it instead reads nothing at all.
   */
  onConnection(socket: Socket): void;
}

export interface Listening {
  port: number;
  addresses: string[];
  close(): Promise<void>;
}

export const DEFAULT_HOSTS = ['127.0.0.1', '::1'] as const;

export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

function makeServer(options: ListenOptions): Server {
  const server = createServer({
    // Node's strict parser is what refuses smuggling (CL+TE, obs-fold, bare LF).
    insecureHTTPParser: false,
    requireHostHeader: true,
    headersTimeout: options.timeouts.headersMs,
    requestTimeout: options.timeouts.requestMs,
    keepAliveTimeout: 5_000,
    // How often Node enforces the two timeouts above; its default (30 s) lets slowloris linger.
    connectionsCheckingInterval: Math.min(1_000, options.timeouts.headersMs),
    maxHeaderSize: 16 * 1024,
    noDelay: true,
  });
  // Node's http options do not pass this one through to net.Server; its property does.
  (server as Server & { pauseOnConnect: boolean }).pauseOnConnect = true;
  // Ahead of http's own listener, which starts parsing whatever the socket reads.
  server.prependListener('connection', options.onConnection);
  server.on('request', options.onRequest);
  server.on('upgrade', options.onUpgrade);
  return server;
}

function listenOne(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // A deep accept queue: while another user's burst is being turned away, the owner's
    // connections must not be dropped for want of room (the kernel caps it at somaxconn).
    server.listen({ host, port, exclusive: true, backlog: 4096 });
  });
}

function closeAll(servers: readonly Server[]): Promise<void> {
  return Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  ).then(() => undefined);
}

/**
 * Binds every host on one port. Port 0 picks a free port on the first host and reuses it
 * for the others. A taken port is an error that says so, never a silent fallback: the
 * user's bookmarks would then point at whoever holds it.
 */
async function listenOnce(options: ListenOptions): Promise<Listening> {
  const servers: Server[] = [];
  const addresses: string[] = [];
  let port = options.port;
  try {
    for (const host of options.hosts) {
      const server = makeServer(options);
      try {
        port = await listenOne(server, host, port);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A machine without IPv6 still serves 127.0.0.1, when ::1 was only a default.
        if (host === '::1' && options.hosts.length > 1 && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) {
          continue;
        }
        if (code === 'EADDRINUSE') {
          throw new LatchkeyError(
            'PORT_IN_USE',
            `port ${port} on ${host} is already in use by another program; stop it or choose another port ` +
              `with --port or LATCHKEY_PORT`,
          );
        }
        throw new LatchkeyError('BAD_ARGUMENT', `cannot listen on ${host}:${port}: ${(error as Error).message}`);
      }
      servers.push(server);
      addresses.push(host);
    }
  } catch (error) {
    await closeAll(servers);
    throw error;
  }
  return { port, addresses, close: () => closeAll(servers) };
}

export async function listen(options: ListenOptions): Promise<Listening> {
  // With port 0 the first host picks a port another program may hold on the second (on a
  // busy machine, often a client's ephemeral port on ::1): retry with another.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await listenOnce(options);
    } catch (error) {
      const retry = options.port === 0 && attempt < 20 && (error as LatchkeyError).code === 'PORT_IN_USE';
      if (!retry) throw error;
    }
  }
}
