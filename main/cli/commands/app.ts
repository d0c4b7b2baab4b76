import type { Command } from 'commander';
import type { HeaderPreset, Role } from '../../common/apps.js';
import { collect, print, withStore, type CommonOptions } from '../context.js';

interface AddOptions extends CommonOptions {
  slug: string;
  upstream: string;
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
    .requiredOption('--upstream <url>', 'where it listens, e.g. http://127.0.0.1:3000')
    .option('--name <name>', 'display name (default: the slug)')
    .option('--allow-role <role>', 'a role allowed in (Admin, ReadOnly); repeatable', collect)
    .option('--allow-user <username>', 'a user allowed in; repeatable', collect)
    .option('--public-path <path>', 'a path served without identity, e.g. /healthz; repeatable', collect)
    .option('--allowed-origin <origin>', 'another origin that may send it unsafe requests; repeatable', collect)
    .option('--headers <preset>', 'identity headers: generic, grafana, remote or none', 'generic')
    .option('--no-preserve-host', 'send the upstream its own Host instead of <slug>.localhost')
    .option('--health-path <path>', 'a path the console polls to show the app as up')
    .action(async (o: AddOptions) => {
      await withStore(o, (store) => {
        const added = store.apps.add({
          slug: o.slug,
          upstream: o.upstream,
          name: o.name,
          allowRoles: (o.allowRole ?? []) as Role[],
          allowUsers: o.allowUser ?? [],
          publicPaths: o.publicPath ?? [],
          allowedOrigins: o.allowedOrigin ?? [],
          headers: o.headers as HeaderPreset,
          preserveHost: o.preserveHost,
          healthPath: o.healthPath,
        });
        print(`added ${added.slug} → ${added.upstream}`);
      });
    });
  app
    .command('list')
    .description('list the apps')
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions & { json?: boolean }) => {
      await withStore(o, (store) => {
        const apps = store.apps.list();
        if (o.json) return print(JSON.stringify(apps, null, 2));
        if (apps.length === 0) return print('no apps; add one with latchkey app add --slug S --upstream URL');
        const width = Math.max(...apps.map((a) => a.slug.length));
        for (const a of apps) {
          print(`${a.slug.padEnd(width)}  ${a.upstream}  ${a.headers}${a.source === 'file' ? '  (config file)' : ''}`);
        }
      });
    });
  app
    .command('remove')
    .description('take an app off the gateway')
    .requiredOption('--slug <slug>', 'the app to remove')
    .action(async (o: CommonOptions & { slug: string }) => {
      await withStore(o, (store) => {
        store.apps.remove(o.slug);
        print(`removed ${o.slug}`);
      });
    });
}
