import { Command, CommanderError, Option } from 'commander';
import { asLatchkeyError } from '../core/db/errors.js';
import { VERSION } from '../common/version.js';
import { registerAdmin, registerConsoleLink } from './commands/admin.js';
import { registerApp } from './commands/app.js';
import { registerAudit } from './commands/audit.js';
import { registerBackup } from './commands/backup.js';
import { registerIdentn } from './commands/identn.js';
import { registerKeys } from './commands/keys.js';
import { registerServe } from './commands/serve.js';
import { registerTokens } from './commands/tokens.js';
import { registerViewAs } from './commands/view-as.js';
import { EXIT, exitCodeOf } from './exit-codes.js';

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

function fail(message: string, exitCode: number): never {
  process.stderr.write(`latchkey: ${message}\n`);
  process.exit(exitCode);
}

/** Adds --data-dir and --config to every command that does something. */
function addCommonOptions(command: Command): void {
  for (const sub of command.commands) {
    if (sub.commands.length > 0) {
      addCommonOptions(sub);
      continue;
    }
    sub.addOption(new Option('--data-dir <dir>', 'data directory (default: LATCHKEY_DATA_DIR or the per-user folder)'));
    sub.addOption(
      new Option('--config <file>', 'YAML config file (default: LATCHKEY_CONFIG or <data-dir>/config.yaml)'),
    );
  }
}

export function buildProgram(): Command {
  const program = new Command('latchkey')
    .description('A local auth gateway for the web tools on your workstation.')
    .version(VERSION)
    .showSuggestionAfterError(true);
  registerServe(program);
  registerIdentn(program);
  registerApp(program);
  registerAdmin(program);
  registerConsoleLink(program);
  registerAudit(program);
  registerTokens(program);
  registerViewAs(program);
  registerKeys(program);
  registerBackup(program);
  addCommonOptions(program);
  const quiet = (c: Command) => {
    c.exitOverride();
    c.configureOutput({ outputError: () => undefined });
    c.commands.forEach(quiet);
  };
  quiet(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exit(0); // --help, --version
      fail(`${error.message.replace(/^error: /, '')} (see latchkey --help)`, EXIT.usage);
    }
    const known = asLatchkeyError(error);
    if (known) fail(oneLine(known.message), exitCodeOf(known.code));
    // A bug: one line still, and the stack only when asked for.
    if (process.env.LATCHKEY_LOG === 'debug') process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    fail(
      `unexpected error: ${oneLine((error as Error).message ?? String(error))} (LATCHKEY_LOG=debug shows where)`,
      EXIT.internal,
    );
  }
}
