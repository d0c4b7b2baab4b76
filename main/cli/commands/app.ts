import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { HeaderPreset, Role } from '../../common/apps.js';
import type { RunInput, RunPreset, StartPolicy } from '../../common/apps.js';
import { parseDuration } from '../../common/duration.js';
import { LatchkeyError } from '../../common/errors.js';
import { splitCommandLine } from '../../core/launcher/command-line.js';
import { withApi } from '../api.js';
import { collect, print, type CommonOptions } from '../context.js';
import { registerAppRun } from './app-run.js';

/**
 * The flags of apps.add the CLI names otherwise. The others keep the field's name, as the
 * config file's `apps:` entries do.
 */
const APP_FLAGS = { 'run.start': '--start' };

/** The run definition from `--run`/`--preset` and their companions, or undefined. */
function runInput(o: AddOptions): RunInput | undefined {
  if (o.run === undefined && o.preset === undefined) {
    if (o.cwd || o.env || o.idleStop)
      throw new LatchkeyError('BAD_ARGUMENT', '--cwd, --env and --idle-stop go with --run or --preset');
    if (o.upstream === undefined)
      throw new LatchkeyError('BAD_ARGUMENT', 'give --upstream URL, --run CMD or --preset NAME');
    return undefined;
  }
  if (o.upstream !== undefined)
    throw new LatchkeyError('BAD_ARGUMENT', '--upstream does not go with --run or --preset');
  const env: Record<string, string> = {};
  for (const pair of o.env ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new LatchkeyError('BAD_ARGUMENT', `--env takes NAME=VALUE, not "${pair}"`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  let idleStopMs: number | undefined;
  if (o.idleStop !== undefined) {
    idleStopMs = parseDuration(o.idleStop);
    if (idleStopMs === undefined) throw new LatchkeyError('BAD_ARGUMENT', `--idle-stop takes a duration such as 30m`);
  }
  const words = o.run === undefined ? [] : splitCommandLine(o.run);
  return {
    preset: (o.preset ?? 'command') as RunPreset,
    ...(words[0] !== undefined ? { command: words[0] } : {}),
    args: words.slice(1),
    ...(o.cwd ? { cwd: resolve(o.cwd) } : {}),
    env,
    start: o.start as StartPolicy,
    ...(idleStopMs !== undefined ? { idleStopMs } : {}),
  };
}

interface AddOptions extends CommonOptions {
  slug: string;
  upstream?: string;
  run?: string;
  preset?: string;
  cwd?: string;
  env?: string[];
  start?: string;
  idleStop?: string;
  name?: string;
  allowRole?: string[];
  allowUser?: string[];
  publicPath?: string[];
  allowedOrigin?: string[];
  headers?: string;
  preserveHost: boolean;
  healthPath?: string;
}

export function registerApp(program: Command): void {
  const app = program.command('app').description('the apps behind the gateway, each at http://<slug>.localhost:<port>');
  app
    .command('add')
    .description('put a local web tool behind the gateway')
    .requiredOption('--slug <slug>', 'its host name label: http://<slug>.localhost:<port>')
    .option('--upstream <url>', 'where it listens, e.g. http://127.0.0.1:3000 or unix:/path/to.sock')
    .option('--run <command>', 'a command Latchkey runs; {port} or {socket} say where it listens')
    .option('--preset <name>', 'a tool Latchkey knows how to run: jupyter, prometheus, grafana or command')
    .option('--cwd <dir>', 'the folder the command runs in')
    .option('--env <K=V>', 'an extra environment variable for the command; repeatable', collect)
    .option('--start <policy>', 'on-demand (first request), auto (with Latchkey) or manual', 'on-demand')
    .option('--idle-stop <duration>', 'stop it after this long without requests, e.g. 30m')
    .option('--name <name>', 'display name (default: the slug)')
    .option('--allow-role <role>', 'a role allowed in (Admin, ReadOnly); repeatable', collect)
    .option('--allow-user <username>', 'a user allowed in; repeatable', collect)
    .option('--public-path <path>', 'a path served without identity, e.g. /healthz; repeatable', collect)
    .option('--allowed-origin <origin>', 'another origin that may send it unsafe requests; repeatable', collect)
    .option('--headers <preset>', 'identity headers: generic, grafana, remote or none', 'generic')
    .option('--no-preserve-host', 'send the upstream its own Host instead of <slug>.localhost')
    .option('--health-path <path>', 'a path the console polls to show the app as up')
    .action(async (o: AddOptions) => {
      const run = runInput(o);
      await withApi(o, async (call) => {
        const added = await call(
          'apps.add',
          {
            slug: o.slug,
            upstream: o.upstream,
            run,
            name: o.name,
            allowRoles: (o.allowRole ?? []) as Role[],
            allowUsers: o.allowUser ?? [],
            publicPaths: o.publicPath ?? [],
            allowedOrigins: o.allowedOrigin ?? [],
            headers: (o.preset === 'grafana' && o.headers === 'generic' ? 'grafana' : o.headers) as HeaderPreset,
            preserveHost: o.preserveHost,
            healthPath: o.healthPath,
          },
          APP_FLAGS,
        );
        if (added.run) {
          print(`added ${added.slug}, run by Latchkey (${added.run.preset}, start ${added.run.start})`);
        } else {
          print(`added ${added.slug} → ${added.upstream}`);
        }
      });
    });
  app
    .command('list')
    .description('list the apps')
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions & { json?: boolean }) => {
      await withApi(o, async (call) => {
        // States are the running gateway's word; with none running (or one killed), nothing runs.
        const apps = await call('apps.list', {});
        if (o.json) return print(JSON.stringify(apps, null, 2));
        if (apps.length === 0) return print('no apps; add one with latchkey app add --slug S --upstream URL');
        const width = Math.max(...apps.map((a) => a.slug.length));
        for (const a of apps) {
          const where = a.run ? `runs ${a.run.preset === 'command' ? a.run.command : a.run.preset}` : a.upstream;
          const state = a.runStatus ? `  ${a.runStatus.state}` : '';
          print(
            `${a.slug.padEnd(width)}  ${where}  ${a.headers}${state}${a.source === 'file' ? '  (config file)' : ''}`,
          );
        }
      });
    });
  registerAppRun(app);
  app
    .command('remove')
    .description('take an app off the gateway')
    .requiredOption('--slug <slug>', 'the app to remove')
    .action(async (o: CommonOptions & { slug: string }) => {
      await withApi(o, async (call) => {
        const { removed } = await call('apps.remove', { slug: o.slug });
        print(`removed ${removed}`);
      });
    });
}
