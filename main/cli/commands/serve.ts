import type { Command } from 'commander';
import { createCore } from '../../core/index.js';
import { stderrLogger } from '../../core/log.js';
import { storeError } from '../../core/db/errors.js';
import { dataDirOf, portNumber, print, type CommonOptions } from '../context.js';

interface ServeOptions extends CommonOptions {
  port?: number;
  host?: string;
}

/**
 * The address to print: `localhost` while the gateway listens only where that name (and
 * `latchkey.localhost`, the console's) leads, 127.0.0.1 and ::1; else the address it
 * does listen on, since the name would lead where nothing answers.
 */
export function announce(addresses: readonly string[], port: number): { origin: string; consoleReachable: boolean } {
  const loopbackNames = addresses.every((a) => a === '127.0.0.1' || a === '::1');
  const wildcard = addresses.some((a) => a === '0.0.0.0' || a === '::');
  const first = addresses[0] ?? '127.0.0.1';
  const host = loopbackNames ? 'localhost' : first.includes(':') ? `[${first}]` : first;
  return { origin: `http://${host}:${port}`, consoleReachable: loopbackNames || wildcard };
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the gateway in the foreground until interrupted')
    .option('--port <n>', 'port to listen on (0 picks a free one; default 7780 or the one used last)', portNumber)
    .option('--host <addr>', 'address to bind (default: 127.0.0.1 and ::1)')
    .action(async (options: ServeOptions) => {
      const dataDir = dataDirOf(options);
      const core = await createCore({
        dataDir,
        configFile: options.config,
        port: options.port,
        host: options.host,
        log: stderrLogger(process.env.LATCHKEY_LOG),
      });
      let listening;
      try {
        listening = await core.listen();
      } catch (error) {
        await core.close();
        throw error;
      }
      const where = announce(listening.addresses, listening.port);
      let consoleLine: string;
      try {
        // Minted before anything is printed: a link that cannot be written is a start that failed.
        consoleLine = where.consoleReachable
          ? `console: ${core.consoleLink(listening.port)}`
          : `console: no link printed: browsers take latchkey.localhost to 127.0.0.1 and ::1, where this ` +
            `gateway does not listen; through a proxy that sends Host latchkey.localhost:${listening.port} ` +
            `to ${where.origin}, latchkey console-link prints one`;
      } catch (error) {
        await core.close();
        throw storeError(error, dataDir) ?? error;
      }
      print(`latchkey listening on ${where.origin}`);
      print(consoleLine);
      const initialPassword = core.initialPasswordFile();
      if (initialPassword !== undefined) print(`initial admin password: ${initialPassword}`);
      let stopping = false;
      const stop = () => {
        // A second signal while closing means "now".
        if (stopping) process.exit(130);
        stopping = true;
        void core.close().then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
