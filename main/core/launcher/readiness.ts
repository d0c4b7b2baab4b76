import { connect, createServer } from 'node:net';
import { request } from 'node:http';
import { LatchkeyError } from '../../common/errors.js';
import type { Listen } from './presets.js';

/** A free loopback port for a child. The child binds it itself, as most tools can only do. */
export function pickPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new LatchkeyError('APP_START_FAILED', 'the OS gave no free loopback port for the app')),
      );
    });
  });
}

function connects(listen: Listen): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = listen.kind === 'port' ? connect(listen.port, '127.0.0.1') : connect(listen.path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function answers(listen: Listen, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({
      ...(listen.kind === 'port' ? { host: '127.0.0.1', port: listen.port } : { socketPath: listen.path }),
      path,
      method: 'GET',
      headers: { host: listen.kind === 'port' ? `127.0.0.1:${listen.port}` : 'localhost' },
      agent: false,
      timeout: 2_000,
    });
    req.once('response', (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** One readiness check: the tool's probe path answering below 500, else a connect. */
export function isReady(listen: Listen, probePath: string | undefined): Promise<boolean> {
  return probePath ? answers(listen, probePath) : connects(listen);
}
