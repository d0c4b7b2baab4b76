import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';

const cleanups: (() => unknown)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('latchkey view-as', () => {
  it('starts viewing as a user for an hour, says so, and stops once', () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const dir = data.dir;
    expect(
      runCli(['admin', 'user', 'create', '--username', 'ann', '--password', 'ann password', '--data-dir', dir]).status,
    ).toBe(0);
    const before = Date.now();
    const started = runCli(['view-as', 'Ann', '--data-dir', dir]);
    expect(started.status).toBe(0);
    const after = Date.now();
    const until = Date.parse(
      /^viewing as ann until (\S+); stop with latchkey view-as --stop\n$/.exec(started.stdout)?.[1] ?? '',
    );
    // An hour from the start, printed to the second.
    expect(until).toBeGreaterThanOrEqual(before + 60 * 60_000 - 1_000);
    expect(until).toBeLessThanOrEqual(after + 60 * 60_000);
    expect(runCli(['view-as', '--stop', '--data-dir', dir]).stdout).toBe('stopped viewing as ann\n');
    expect(runCli(['view-as', '--stop', '--data-dir', dir]).stdout).toBe('not viewing as anyone\n');
  });

  it('refuses a user that does not exist in one line, exit 1', () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const res = runCli(['view-as', 'nobody', '--data-dir', data.dir]);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/nobody/);
    expect(res.status).toBe(1);
  });
});
