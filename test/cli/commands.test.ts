import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function dataDir(): string {
  const data = tempDataDir();
  cleanups.push(data.remove);
  return data.dir;
}

function expectOneLineError(result: ReturnType<typeof runCli>, pattern: RegExp): void {
  expect(result.status).not.toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

describe('latchkey app', () => {
  it('adds, lists and removes apps', () => {
    const dir = dataDir();
    expect(
      runCli(['app', 'add', '--slug', 'grafana', '--upstream', 'http://127.0.0.1:3000/', '--data-dir', dir]).status,
    ).toBe(0);
    expect(
      runCli([
        'app',
        'add',
        '--slug',
        'signoz',
        '--upstream',
        'http://127.0.0.1:8080',
        '--headers',
        'remote',
        '--data-dir',
        dir,
      ]).status,
    ).toBe(0);
    expect(runCli(['app', 'list', '--data-dir', dir]).stdout).toBe(
      'grafana  http://127.0.0.1:3000  generic\nsignoz   http://127.0.0.1:8080  remote\n',
    );
    expect(runCli(['app', 'remove', '--slug', 'grafana', '--data-dir', dir]).stdout).toBe('removed grafana\n');
    const listed = JSON.parse(runCli(['app', 'list', '--json', '--data-dir', dir]).stdout) as { slug: string }[];
    expect(listed.map((a) => a.slug)).toEqual(['signoz']);
  });

  it.each([
    [['--slug', 'latchkey', '--upstream', 'http://127.0.0.1:1'], /slug is reserved for the console/],
    [['--slug', 'Has Space', '--upstream', 'http://127.0.0.1:1'], /slug must be one DNS label/],
    [['--slug', 'x', '--upstream', 'file:///etc/passwd'], /upstream must use http/],
    [['--slug', 'x', '--upstream', 'http://u:p@127.0.0.1:1'], /upstream must not carry credentials/],
    [['--slug', 'x', '--upstream', 'http://127.0.0.1:1', '--headers', 'weird'], /headers/],
    [['--slug', 'x', '--upstream', 'http://127.0.0.1:1', '--public-path', '/a/../b'], /publicPaths/],
    [['--slug', 'x'], /give --upstream URL, --run CMD or --preset NAME/],
  ])('refuses bad input %j with one line on stderr', (args, pattern) => {
    expectOneLineError(runCli(['app', 'add', ...args, '--data-dir', dataDir()]), pattern);
  });

  it('refuses a duplicate slug and removing an unknown one', () => {
    const dir = dataDir();
    runCli(['app', 'add', '--slug', 'a', '--upstream', 'http://127.0.0.1:1', '--data-dir', dir]);
    expectOneLineError(
      runCli(['app', 'add', '--slug', 'a', '--upstream', 'http://127.0.0.1:2', '--data-dir', dir]),
      /already exists/,
    );
    expectOneLineError(runCli(['app', 'remove', '--slug', 'zzz', '--data-dir', dir]), /no app with slug "zzz"/);
  });

  it('lists apps from the config file and refuses to remove them', () => {
    const dir = dataDir();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'apps:\n  - slug: jupyter\n    upstream: http://127.0.0.1:8888\n');
    expect(runCli(['app', 'list', '--data-dir', dir]).stdout).toContain(
      'jupyter  http://127.0.0.1:8888  generic  (config file)',
    );
    expectOneLineError(runCli(['app', 'remove', '--slug', 'jupyter', '--data-dir', dir]), /defined in the config file/);
  });
});

describe('latchkey identn', () => {
  it('shows where each value comes from, pinned ones included', () => {
    const result = runCli(['identn', 'show', '--data-dir', dataDir()], { LATCHKEY_IDENTN_APIKEY_ENABLED: 'true' });
    expect(result.stdout).toBe(
      'impersonation off  (pinned by LATCHKEY_IDENTN_APIKEY_ENABLED)\n' +
        'tokenizer     off  (default)\n' +
        'apikey        on   (pinned by LATCHKEY_IDENTN_APIKEY_ENABLED)\n',
    );
  });

  it('refuses a change a pinned value would override', () => {
    expectOneLineError(
      runCli(['identn', 'set', '--apikey', 'on', '--data-dir', dataDir()], {
        LATCHKEY_IDENTN_IMPERSONATION_ENABLED: 'true',
      }),
      /identn.impersonation.enabled is pinned to true by LATCHKEY_IDENTN_IMPERSONATION_ENABLED/,
    );
  });

  it('refuses a bad value and an empty change', () => {
    expectOneLineError(
      runCli(['identn', 'set', '--tokenizer', 'maybe', '--data-dir', dataDir()]),
      /--tokenizer takes on or off/,
    );
    expectOneLineError(runCli(['identn', 'set', '--data-dir', dataDir()]), /nothing to change/);
  });
});

describe('the command line', () => {
  it('prints help and the version', () => {
    expect(runCli(['--help']).stdout).toContain('serve');
    expect(runCli(['app', 'add', '--help']).stdout).toContain('--upstream <url>');
    expect(runCli(['--version']).stdout.trim()).toBe('0.1.0');
  });

  it('refuses unknown commands, options and config keys in one line', () => {
    expectOneLineError(runCli(['frobnicate']), /unknown command 'frobnicate'/);
    expectOneLineError(runCli(['app', 'list', '--bogus']), /unknown option '--bogus'/);
    expectOneLineError(runCli(['serve', '--port', 'eighty']), /--port takes a number/);
    const dir = dataDir();
    writeFileSync(join(dir, 'config.yaml'), 'identn:\n  tokenizr:\n    enabled: true\n');
    expectOneLineError(runCli(['app', 'list', '--data-dir', dir]), /unknown key identn\.tokenizr\.enabled/);
    expectOneLineError(runCli(['app', 'list', '--data-dir', dir], { LATCHKEY_PORTT: '1' }), /LATCHKEY_PORTT/);
  });

  it('refuses a database from a newer Latchkey', async () => {
    const dir = dataDir();
    runCli(['app', 'list', '--data-dir', dir]);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dir, 'latchkey.db'));
    db.pragma('user_version = 999');
    db.close();
    expectOneLineError(runCli(['app', 'list', '--data-dir', dir]), /written by a newer Latchkey/);
  });
});
