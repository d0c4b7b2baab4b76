import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTORS } from '../../main/common/audit.js';
import { runCli } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';

const cleanups: (() => unknown)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function dataDir(): string {
  const data = tempDataDir();
  cleanups.push(data.remove);
  return data.dir;
}

/** Who the audit log says acted when the command line did. */
const CLI = SYSTEM_ACTORS.cli;

const COMMANDS = fileURLToPath(new URL('../../main/cli/commands/', import.meta.url));

/** The console API's audit rows, newest first, as `kind actor subject detail`. */
function audit(dir: string): string[] {
  const entries = JSON.parse(runCli(['audit', '--json', '--data-dir', dir]).stdout) as {
    kind: string;
    actor: string;
    subject: string;
    detail: Record<string, unknown>;
  }[];
  return entries.map((e) => `${e.kind} ${e.actor} ${e.subject} ${JSON.stringify(e.detail.by ?? null)}`);
}

describe('the CLI as a caller of the console API', () => {
  it('refuses what the console API refuses, as a bad argument naming the flag: a display name over 100 characters', () => {
    const dir = dataDir();
    const long = 'n'.repeat(101);
    const res = runCli([
      'admin',
      'user',
      'create',
      '--username',
      'ann',
      '--password',
      'ann password',
      '--name',
      long,
      '--data-dir',
      dir,
    ]);
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^latchkey: --name .*100.*\n$/);
    expect(runCli(['admin', 'user', 'list', '--data-dir', dir]).stdout).not.toContain('ann');
  });

  it.each([
    [
      ['admin', 'user', 'create', '--username', 'a b', '--password', 'a password'],
      /^latchkey: --username is not a valid username\n$/,
    ],
    [
      ['admin', 'user', 'create', '--username', 'ann', '--password', 'a password', '--role', 'Root'],
      /^latchkey: --role must be Admin or ReadOnly\n$/,
    ],
    [
      ['admin', 'user', 'reset-password', '--username', 'a/b', '--password', 'a password'],
      /^latchkey: --username is not a valid username\n$/,
    ],
    [['admin', 'ban', 'lift', '--username', '  '], /^latchkey: --username is required\n$/],
    [['token', 'create', '--user', 'a b'], /^latchkey: --user is not a valid username\n$/],
    [['token', 'create', '--user', 'admin', '--expires', '0d'], /^latchkey: --expires takes a duration/],
    [['view-as', 'A B'], /^latchkey: username is not a valid username\n$/],
  ])('%j is a bad argument (exit 2), checked by the API schema', (args, pattern) => {
    const res = runCli([...args, '--data-dir', dataDir()]);
    expect(res.stderr).toMatch(pattern);
    expect(res.status).toBe(2);
  });

  it('what it does through the API is audited as the CLI, not as the console', () => {
    const dir = dataDir();
    expect(
      runCli(['admin', 'user', 'create', '--username', 'ann', '--password', 'ann password', '--data-dir', dir]).status,
    ).toBe(0);
    expect(runCli(['view-as', 'ann', '--data-dir', dir]).status).toBe(0);
    expect(runCli(['view-as', '--stop', '--data-dir', dir]).stdout).toBe('stopped viewing as ann\n');
    expect(runCli(['token', 'create', '--user', 'ann', '--data-dir', dir]).status).toBe(0);
    expect(audit(dir).slice(0, 4)).toEqual([
      `token.created ${CLI} ann null`,
      `viewas.stopped admin ann "${CLI}"`,
      `viewas.started admin ann "${CLI}"`,
      `user.created ${CLI} ann null`,
    ]);
  });

  it('a start asked while no gateway runs the apps is refused, and leaves no audit row', () => {
    const dir = dataDir();
    const tool = ['app', 'add', '--slug', 'm', '--run', 'sleep 60', '--start', 'manual', '--data-dir', dir];
    expect(runCli(tool).status).toBe(0);
    const res = runCli(['app', 'start', '--slug', 'm', '--data-dir', dir]);
    expect(res.stderr).toMatch(
      /^latchkey: no Latchkey runs the apps of .*; start it \(latchkey serve or the desktop app\) first\n$/,
    );
    expect(res.status).toBe(1);
    expect(audit(dir)[0]).toBe(`app.run-defined ${CLI} m null`);
    expect(runCli(['app', 'list', '--data-dir', dir]).stdout).toMatch(/^m +runs sleep +generic +stopped\n$/);
  });

  it('commands reach users, tokens, view-as, identN, bans and app runs only through the console API', () => {
    const services =
      /from '\.\.\/\.\.\/core\/(users-service|identn-service|config\/identn|auth\/(service-accounts|view-as|regulation)|db\/app-runs-repo|launcher\/gateway-marker)\.js'/;
    for (const file of readdirSync(COMMANDS)) {
      expect(readFileSync(`${COMMANDS}${file}`, 'utf8'), file).not.toMatch(services);
    }
  });
});
