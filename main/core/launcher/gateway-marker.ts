import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { canReadProcesses, readStat } from './process-info.js';

/**
 * Which process runs the apps of a data directory: the gateway writes its pid and start
 * time here, so the CLI can tell whether a start it asks for will be acted on.
 */
const fileOf = (dataDir: string) => join(dataDir, 'launcher', 'gateway.json');

export function markGateway(dataDir: string): void {
  mkdirSync(join(dataDir, 'launcher'), { recursive: true, mode: 0o700 });
  writeFileAtomically(fileOf(dataDir), JSON.stringify(self()));
}

export function unmarkGateway(dataDir: string): void {
  try {
    const mark = JSON.parse(readFileSync(fileOf(dataDir), 'utf8')) as { pid: number };
    if (mark.pid === process.pid) rmSync(fileOf(dataDir), { force: true });
  } catch {
    // nothing marked
  }
}

/** Whether a process is the one identified by pid and start time (same start: same process). */
export function isLive(pid: number, startTime: string): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false;
  if (canReadProcesses) return readStat(pid)?.startTime === startTime;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of the live process that runs the apps of a data directory, if any. */
export function runningGateway(dataDir: string): number | undefined {
  try {
    const mark = JSON.parse(readFileSync(fileOf(dataDir), 'utf8')) as { pid: number; startTime: string };
    return isLive(mark.pid, mark.startTime) ? mark.pid : undefined;
  } catch {
    return undefined;
  }
}

export function gatewayRunning(dataDir: string): boolean {
  return runningGateway(dataDir) !== undefined;
}

/** This process, as records name their owner. */
export function self(): { pid: number; startTime: string } {
  return { pid: process.pid, startTime: readStat(process.pid)?.startTime ?? '' };
}
