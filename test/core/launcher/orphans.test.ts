import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../main/core/log.js';
import { reapOrphans, recordChild, readRecords } from '../../../main/core/launcher/child-records.js';
import { canReadProcesses, readStat } from '../../../main/core/launcher/process-info.js';
import { tempDataDir } from '../../helpers/data-dir.js';
import { alive, untilGone } from './support.js';

const started: ChildProcess[] = [];
const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.pid && alive(c.pid)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) d.remove();
});

function sleeper(detached: boolean): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached, stdio: 'ignore' });
  started.push(child);
  return child;
}

describe.skipIf(!canReadProcesses)('orphans of a killed Latchkey', () => {
  it('finds and stops the process group it started, by pid and start time', async () => {
    const data = tempDataDir();
    dirs.push(data);
    const child = sleeper(true);
    const pid = child.pid as number;
    recordChild(data.dir, { slug: 'nb', pid, startTime: readStat(pid)?.startTime as string, command: 'node' });
    expect(await reapOrphans(data.dir, silentLogger, 1_000)).toEqual(['nb']);
    expect(await untilGone(pid)).toBe(true);
    expect(readRecords(data.dir)).toEqual([]);
  });

  it('leaves alone an unrelated process that reuses a recorded pid (another start time)', async () => {
    const data = tempDataDir();
    dirs.push(data);
    const unrelated = sleeper(true);
    const pid = unrelated.pid as number;
    const real = readStat(pid)?.startTime as string;
    recordChild(data.dir, { slug: 'nb', pid, startTime: String(Number(real) - 1), command: 'node' });
    expect(await reapOrphans(data.dir, silentLogger, 1_000)).toEqual([]);
    expect(alive(pid)).toBe(true);
  });

  it('stops the survivors of a group whose leader is gone (a tool that forked and died)', async () => {
    const data = tempDataDir();
    dirs.push(data);
    const script =
      "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' });" +
      'console.log(c.pid); setTimeout(() => process.exit(0), 100);';
    const leader = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(leader);
    const leaderPid = leader.pid as number;
    const startTime = readStat(leaderPid)?.startTime as string;
    const survivor = await new Promise<number>((resolve) =>
      leader.stdout?.once('data', (c: Buffer) => resolve(Number(String(c).trim()))),
    );
    await new Promise((resolve) => leader.once('exit', resolve));
    expect(alive(survivor)).toBe(true);
    recordChild(data.dir, { slug: 'forky', pid: leaderPid, startTime, command: 'node' });
    expect(await reapOrphans(data.dir, silentLogger, 1_000)).toEqual(['forky']);
    expect(await untilGone(survivor)).toBe(true);
  });

  it('ignores a record it cannot trust (not a pid, pid 1)', async () => {
    const data = tempDataDir();
    dirs.push(data);
    recordChild(data.dir, { slug: 'init', pid: 1, startTime: readStat(1)?.startTime ?? '1', command: 'init' });
    expect(await reapOrphans(data.dir, silentLogger, 1_000)).toEqual([]);
  });
});
