import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTORS } from '../../main/common/audit.js';
import { runCli } from '../helpers/cli.js';
import { tempDataDir } from '../helpers/data-dir.js';

const cleanups: (() => unknown)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('latchkey keys', () => {
  it('rotate starts signing with a new key each time, and the audit log says the CLI did it', () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const first = runCli(['keys', 'rotate', '--data-dir', data.dir]);
    const second = runCli(['keys', 'rotate', '--data-dir', data.dir]);
    expect(first).toMatchObject({ status: 0, stderr: '' });
    const kid = (out: string) => /^signing with new key (\S+)\n$/.exec(out)?.[1];
    expect(kid(first.stdout)).toBeDefined();
    expect(kid(second.stdout)).toBeDefined();
    expect(kid(second.stdout)).not.toBe(kid(first.stdout));
    const audit = JSON.parse(runCli(['audit', '--json', '--data-dir', data.dir]).stdout) as {
      kind: string;
      actor: string;
      detail: { kid?: string };
    }[];
    expect(audit.filter((e) => e.kind === 'keys.rotated').map((e) => [e.actor, e.detail.kid])).toEqual([
      [SYSTEM_ACTORS.cli, kid(second.stdout)],
      [SYSTEM_ACTORS.cli, kid(first.stdout)],
    ]);
  });
});
