import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import type { Logger } from '../log.js';
import { isLive } from './gateway-marker.js';
import { stopGroup } from './group-stop.js';
import { canReadProcesses, groupMembers, readStat } from './process-info.js';

/** What Latchkey writes down about each child it starts, so a later run can find it. */
export interface ChildRecord {
  slug: string;
  pid: number;
  /** /proc/<pid>/stat field 22 when it was started; '' where the OS does not tell. */
  startTime: string;
  command: string;
  /** The Latchkey process that started it: while that one lives, the child is no orphan. */
  owner?: { pid: number; startTime: string };
}

export function recordsDir(dataDir: string): string {
  return join(dataDir, 'launcher', 'children');
}

const fileOf = (dataDir: string, slug: string) => join(recordsDir(dataDir), `${slug}.json`);

export function recordChild(dataDir: string, record: ChildRecord): void {
  mkdirSync(recordsDir(dataDir), { recursive: true, mode: 0o700 });
  writeFileAtomically(fileOf(dataDir, record.slug), JSON.stringify(record));
}

/** Forgets a child that ended, unless the record already names its successor. */
export function forgetChild(dataDir: string, slug: string, pid: number): void {
  try {
    const record = JSON.parse(readFileSync(fileOf(dataDir, slug), 'utf8')) as ChildRecord;
    if (record.pid !== pid) return;
  } catch {
    // unreadable: remove it
  }
  rmSync(fileOf(dataDir, slug), { force: true });
}

/** The records in the data directory; unreadable ones (torn, foreign) are dropped. */
export function readRecords(dataDir: string): ChildRecord[] {
  let names: string[];
  try {
    names = readdirSync(recordsDir(dataDir));
  } catch {
    return [];
  }
  const records: ChildRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    try {
      const r = JSON.parse(readFileSync(join(recordsDir(dataDir), name), 'utf8')) as ChildRecord;
      if (Number.isSafeInteger(r.pid) && r.pid > 1 && typeof r.startTime === 'string' && `${r.slug}.json` === name) {
        records.push(r);
        continue;
      }
    } catch {
      // below
    }
    rmSync(join(recordsDir(dataDir), name), { force: true });
  }
  return records;
}

/** Whether another Latchkey, alive, started it: then it is not an orphan. */
const ownedByAnother = (record: ChildRecord) =>
  record.owner !== undefined && record.owner.pid !== process.pid && isLive(record.owner.pid, record.owner.startTime);

/**
 * Which processes of a recorded child's group are still ours. Its pid is its process
 * group id (it was started as a group leader). While the leader lives with the recorded
 * start time, its group is ours. If the pid now belongs to a process with another start
 * time, the pid was reused, which the kernel only does once no process group of that id
 * is left: nothing is ours. If no process has the pid, the kernel keeps the id reserved
 * while members of the group live: those members are ours.
 */
export function survivorsOf(record: ChildRecord): number[] {
  if (!canReadProcesses || record.startTime === '') return [];
  if (ownedByAnother(record)) return [];
  const leader = readStat(record.pid);
  if (leader && leader.startTime !== record.startTime) return [];
  return groupMembers(record.pid).map((m) => m.pid);
}

/**
 * At start: stops what an earlier run of Latchkey started and could not stop (it was
 * killed), and never a process it did not start. Returns the slugs it stopped.
 */
export async function reapOrphans(dataDir: string, log: Logger, graceMs: number): Promise<string[]> {
  const reaped: string[] = [];
  for (const record of readRecords(dataDir)) {
    if (ownedByAnother(record)) continue;
    const survivors = survivorsOf(record);
    rmSync(fileOf(dataDir, record.slug), { force: true });
    if (survivors.length === 0) continue;
    log.warn(`stopping ${record.slug} (pids ${survivors.join(', ')}), left running by an earlier Latchkey`);
    await stopGroup(record.pid, graceMs);
    reaped.push(record.slug);
  }
  return reaped;
}
