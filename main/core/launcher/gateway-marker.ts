import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeOwnerOnlyFile } from '../data-dir.js';
import { canReadProcesses, readStat } from './process-info.js';

/**
 * Which process runs the apps of a data directory: the gateway writes its pid and start
 * time here, so the CLI can tell whether a start it asks for will be acted on.
 */
const fileOf = (dataDir: string) => join(dataDir, 'launcher', 'gateway.json');

export function markGateway(dataDir: string): void {
  mkdirSync(join(dataDir, 'launcher'), { recursive: true, mode: 0o700 });
  writeOwnerOnlyFile(
    fileOf(dataDir),
    JSON.stringify({ pid: process.pid, startTime: readStat(process.pid)?.startTime ?? '' }),
  );
}

export function unmarkGateway(dataDir: string): void {
  try {
    const mark = JSON.parse(readFileSync(fileOf(dataDir), 'utf8')) as { pid: number };
    if (mark.pid === process.pid) rmSync(fileOf(dataDir), { force: true });
  } catch {
    // nothing marked
  }
}

/** True while the process that marked itself runs (the same process: same start time). */
export function gatewayRunning(dataDir: string): boolean {
  let mark: { pid: number; startTime: string };
  try {
    mark = JSON.parse(readFileSync(fileOf(dataDir), 'utf8')) as { pid: number; startTime: string };
  } catch {
    return false;
  }
  if (!Number.isSafeInteger(mark.pid) || mark.pid <= 1) return false;
  if (canReadProcesses) return readStat(mark.pid)?.startTime === mark.startTime;
  try {
    process.kill(mark.pid, 0);
    return true;
  } catch {
    return false;
  }
}
