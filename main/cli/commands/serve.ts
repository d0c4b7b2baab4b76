import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { mintConsoleLink } from '../../core/api/console-sessions.js';
import { createCore } from '../../core/index.js';
import { stderrLogger } from '../../core/log.js';
import { dataDirOf, portNumber, print, type CommonOptions } from '../context.js';

interface ServeOptions extends CommonOptions {
  port?: number;
  host?: string;
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
      print(`latchkey listening on http://localhost:${listening.port}`);
      print(`console: ${mintConsoleLink(core.store, listening.port)}`);
      if (existsSync(core.store.files.initialAdminPassword)) {
        print(`initial admin password: ${core.store.files.initialAdminPassword}`);
      }
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
